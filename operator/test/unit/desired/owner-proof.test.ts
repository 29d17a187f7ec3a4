// Ownership is proven by identity, never by labels: a controller owner reference
// with the instance's uid in its namespace, the owner-uid annotation elsewhere.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { desiredObjects } from '../../../src/desired/index.ts';
import { OWNER_UID_ANNOTATION } from '../../../src/desired/names.ts';
import { isOwnedBy } from '../../../src/desired/object.ts';
import { FIXED_UID, instance } from './fixtures.ts';

const owner = { namespace: 'tools', uid: FIXED_UID };
const watching = { provider: 'OPENAI' as const, watcher: { enabled: true, targets: [{ deployment: 'a', namespace: 'prod' }] } };

describe('proof of ownership', () => {
  it('every object the instance becomes carries its own proof', () => {
    const objects = desiredObjects(instance(watching, { name: 'chat', namespace: 'tools' }));
    assert.ok(objects.some((o) => o.metadata.namespace === 'prod'), 'some object lies in another namespace');
    for (const o of objects) assert.equal(isOwnedBy(o.metadata, owner), true, `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
  });

  it('objects elsewhere carry the uid annotation, objects at home do not (their owner reference suffices)', () => {
    for (const o of desiredObjects(instance(watching, { name: 'chat', namespace: 'tools' }))) {
      const expected = o.metadata.namespace === 'tools' ? undefined : { [OWNER_UID_ANNOTATION]: FIXED_UID };
      assert.deepEqual(o.metadata.annotations, expected, `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
    }
  });

  it('an instance without a uid (render) writes no annotation', () => {
    for (const o of desiredObjects(instance(watching, { uid: null }))) assert.equal(o.metadata.annotations, undefined);
  });

  it('labels prove nothing', () => {
    const labels = desiredObjects(instance(watching, { name: 'chat', namespace: 'tools' }))[0]?.metadata.labels;
    assert.equal(isOwnedBy({ namespace: 'tools', labels } as never, owner), false);
    assert.equal(isOwnedBy({ namespace: 'prod', labels } as never, owner), false);
  });

  it('at home: only a controller owner reference to a ChatCLIInstance with this uid', () => {
    const ref = { kind: 'ChatCLIInstance', uid: FIXED_UID, controller: true };
    assert.equal(isOwnedBy({ namespace: 'tools', ownerReferences: [ref] }, owner), true);
    assert.equal(isOwnedBy({ namespace: 'tools', ownerReferences: [{ ...ref, controller: false }] }, owner), false, 'not the controller');
    assert.equal(isOwnedBy({ namespace: 'tools', ownerReferences: [{ ...ref, uid: 'another' }] }, owner), false, 'another instance');
    assert.equal(isOwnedBy({ namespace: 'tools', ownerReferences: [{ ...ref, kind: 'Deployment' }] }, owner), false, 'another kind');
    assert.equal(isOwnedBy({ namespace: 'tools', annotations: { [OWNER_UID_ANNOTATION]: FIXED_UID } }, owner), false, 'the annotation is not proof at home');
  });

  it('elsewhere (another namespace, cluster-scoped): only the annotation with this uid', () => {
    assert.equal(isOwnedBy({ namespace: 'prod', annotations: { [OWNER_UID_ANNOTATION]: FIXED_UID } }, owner), true);
    assert.equal(isOwnedBy({ annotations: { [OWNER_UID_ANNOTATION]: FIXED_UID } }, owner), true, 'cluster-scoped');
    assert.equal(isOwnedBy({ namespace: 'prod', annotations: { [OWNER_UID_ANNOTATION]: 'another' } }, owner), false);
    assert.equal(isOwnedBy({ namespace: 'prod' }, owner), false);
  });

  it('nothing is provably owned by an instance without a uid', () => {
    assert.equal(isOwnedBy({ namespace: 'prod', annotations: { [OWNER_UID_ANNOTATION]: '' } }, { namespace: 'tools' }), false);
    assert.equal(isOwnedBy(undefined, owner), false);
  });
});

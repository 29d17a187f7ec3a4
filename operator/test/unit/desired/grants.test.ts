// The watcher's grants as their own concern: same-named instances never want the
// same grant, revocation never waits, a predecessor's objects are told apart by
// uid, and claims are never shrunk.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { desiredObjects, refOf, type KubeObject } from '../../../src/desired/index.ts';
import { grantsToRevoke, predecessorLeftovers } from '../../../src/desired/grants.ts';
import { provenOwnerUid } from '../../../src/desired/object.ts';
import { legacyWatcherRoleName, OWNER_UID_ANNOTATION, watcherRoleName } from '../../../src/desired/names.ts';
import { claimNeverShrunk, claimRequest, desiredSessionsClaim } from '../../../src/desired/pvc.ts';
import { FIXED_UID, instance } from './fixtures.ts';

const watching = (namespaces: string[], meta: { name?: string; namespace?: string } = {}) =>
  instance({ provider: 'OPENAI', watcher: { enabled: true, targets: namespaces.map((namespace, i) => ({ deployment: `d${i}`, namespace })) } }, meta);
const grantsOf = (objects: KubeObject[]) => objects.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding');
const show = (refs: { kind: string; namespace?: string; name: string }[]) => refs.map((r) => `${r.kind}/${r.namespace ?? ''}/${r.name}`).sort();

describe('grant names', () => {
  it('two instances named chat in team-a and team-b both watching production want different grants there', () => {
    const a = grantsOf(desiredObjects(watching(['production'], { namespace: 'team-a' })));
    const b = grantsOf(desiredObjects(watching(['production'], { namespace: 'team-b' })));
    assert.deepEqual(show(a.map(refOf)), ['Role/production/team-a.chat-watcher', 'RoleBinding/production/team-a.chat-watcher']);
    assert.deepEqual(show(b.map(refOf)), ['Role/production/team-b.chat-watcher', 'RoleBinding/production/team-b.chat-watcher']);
  });

  it('names that a dash would confuse stay apart: team-a/x and team/a-x', () => {
    assert.notEqual(watcherRoleName({ namespace: 'team-a', name: 'x' }, 'p'), watcherRoleName({ namespace: 'team', name: 'a-x' }, 'p'));
  });

  it('the longest names fit a Role name', () => {
    const long = { namespace: 'n'.repeat(63), name: 'i'.repeat(63) };
    assert.ok(watcherRoleName(long, 'other').length <= 253);
  });

  it('in its own namespace the grant keeps <name>-watcher', () => {
    assert.equal(watcherRoleName({ namespace: 'tools', name: 'chat' }, 'tools'), 'chat-watcher');
    assert.equal(legacyWatcherRoleName({ namespace: 'tools', name: 'chat' }), 'chat-watcher');
  });
});

describe('grantsToRevoke', () => {
  const ref = (kind: string, namespace: string, name: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, namespace, name });
  const pair = (namespace: string, name: string) => [ref('Role', namespace, name), ref('RoleBinding', namespace, name)];
  const service = { apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'chat' };

  it('grants in namespaces no longer named go, whatever else the instance is', () => {
    const owned = [...pair('p', 'default.chat-watcher'), ...pair('q', 'default.chat-watcher'), service];
    const desired = desiredObjects(watching(['p']));
    assert.deepEqual(show(grantsToRevoke(owned, desired, new Set(), () => true)), ['Role/q/default.chat-watcher', 'RoleBinding/q/default.chat-watcher']);
  });

  it('the 0.2.0 name goes once the new grant in that namespace applied, not before', () => {
    const owned = [...pair('p', 'chat-watcher'), ...pair('p', 'default.chat-watcher')];
    const desired = desiredObjects(watching(['p']));
    assert.deepEqual(show(grantsToRevoke(owned, desired, new Set(), () => true)), ['Role/p/chat-watcher', 'RoleBinding/p/chat-watcher']);
    assert.deepEqual(grantsToRevoke(owned, desired, new Set(['p']), () => true), [], 'the new grant did not apply: the old one keeps the watcher reading');
  });

  it('a grant pending in one namespace does not keep a grant in another', () => {
    const owned = [...pair('p', 'chat-watcher'), ...pair('q', 'default.chat-watcher')];
    const desired = desiredObjects(watching(['p']));
    assert.deepEqual(show(grantsToRevoke(owned, desired, new Set(['p']), () => true)), ['Role/q/default.chat-watcher', 'RoleBinding/q/default.chat-watcher']);
  });

  it('without a desired state, grants in namespaces no longer permitted still go; others stay', () => {
    const owned = [...pair('p', 'default.chat-watcher'), ...pair('q', 'default.chat-watcher'), service];
    assert.deepEqual(show(grantsToRevoke(owned, undefined, new Set(), (ns) => ns === 'p')), ['Role/q/default.chat-watcher', 'RoleBinding/q/default.chat-watcher']);
  });

  it('never anything but a Role or RoleBinding', () => {
    assert.deepEqual(grantsToRevoke([service], desiredObjects(instance({ provider: 'OPENAI' })), new Set(), () => false), []);
  });
});

describe('predecessorLeftovers', () => {
  const other = (uid: string, namespace = 'production') => ({ metadata: { namespace, uid: `obj-${uid}`, annotations: { [OWNER_UID_ANNOTATION]: uid } } });
  const home = (uid: string) => ({ metadata: { namespace: 'default', uid: `obj-${uid}`, ownerReferences: [{ kind: 'ChatCLIInstance', uid, controller: true }] } });
  const me = { namespace: 'default', uid: FIXED_UID };

  it('an object proven to belong to another uid that no live instance has is a leftover; ours and a live one are not', () => {
    const found = predecessorLeftovers([other('old'), other(FIXED_UID), other('live'), home('old'), home(FIXED_UID)], me, (uid) => uid === 'live');
    assert.deepEqual(found.map((o) => o.metadata.uid), ['obj-old', 'obj-old']);
  });

  it('labels alone are no proof: an object without owner proof is never a leftover', () => {
    assert.deepEqual(predecessorLeftovers([{ metadata: { namespace: 'production', uid: 'x' } }], me, () => false), []);
  });

  it('provenOwnerUid reads the annotation outside the instance namespace and the controller reference inside it', () => {
    assert.equal(provenOwnerUid(other('u').metadata, 'default'), 'u');
    assert.equal(provenOwnerUid(home('u').metadata, 'default'), 'u');
    assert.equal(provenOwnerUid({ namespace: 'default', annotations: { [OWNER_UID_ANNOTATION]: 'u' } }, 'default'), undefined, 'an annotation proves nothing at home');
  });
});

describe('claimNeverShrunk', () => {
  const claim = (size: string) => desiredSessionsClaim(instance({ provider: 'OPENAI', persistence: { enabled: true, size } }))!;

  it('a smaller size keeps the claim as it is, and says so', () => {
    const { claim: kept, kept: note } = claimNeverShrunk(claim('1Gi'), claim('2Gi'));
    assert.equal(claimRequest(kept), '2Gi');
    assert.deepEqual(note, { requested: '1Gi', existing: '2Gi' });
  });

  it('compares quantities, not strings: 2048Mi is 2Gi', () => {
    assert.equal(claimNeverShrunk(claim('2Gi'), claim('2048Mi')).kept, undefined);
    assert.equal(claimRequest(claimNeverShrunk(claim('1500Mi'), claim('2Gi')).claim), '2Gi');
  });

  it('a larger size is applied (an expansion)', () => {
    const { claim: grown, kept } = claimNeverShrunk(claim('5Gi'), claim('2Gi'));
    assert.equal(claimRequest(grown), '5Gi');
    assert.equal(kept, undefined);
  });
});

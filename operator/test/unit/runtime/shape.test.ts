import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheTransform, internedCount, internStrings, projection, withoutBookkeeping } from '../../../src/runtime/shape.ts';

describe('projection', () => {
  it('keeps the listed paths, steps into lists with [], and keeps a path that ends on an object whole', () => {
    const pick = projection(['metadata.name', 'spec', 'status.items[].a', 'status.items[].b.c']);
    const obj = {
      metadata: { name: 'x', uid: 'u' },
      spec: { deep: { er: [1, 2] } },
      status: { items: [{ a: 1, b: { c: 2, d: 3 }, e: 4 }, { a: 5 }], other: true },
      extra: 'gone',
    };
    assert.deepEqual(pick(obj), {
      metadata: { name: 'x' },
      spec: { deep: { er: [1, 2] } },
      status: { items: [{ a: 1, b: { c: 2 } }, { a: 5 }] },
    });
    assert.equal(obj.extra, 'gone', 'the input is not changed');
  });

  it('leaves absent fields absent, and keeps a value of an unexpected type as is', () => {
    const pick = projection(['status.items[].a', 'metadata.labels']);
    assert.deepEqual(pick({ metadata: {} }), { metadata: {} });
    assert.deepEqual(pick({ status: { items: 'not a list' } }), { status: { items: 'not a list' } });
    assert.deepEqual(pick({ status: 'Running' }), { status: 'Running' });
  });

  it('keeps a whole subtree when a shorter path names it, in either order', () => {
    assert.deepEqual(projection(['a', 'a.b'])({ a: { b: 1, c: 2 } }), { a: { b: 1, c: 2 } });
    assert.deepEqual(projection(['a.b', 'a'])({ a: { b: 1, c: 2 } }), { a: { b: 1, c: 2 } });
  });
});

describe('cache transforms', () => {
  const last = 'kubectl.kubernetes.io/last-applied-configuration';
  const obj = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'n', uid: 'u', resourceVersion: '7', labels: { a: 'b' }, annotations: { [last]: '{...}', keep: 'me' }, managedFields: [{ manager: 'm' }] },
    spec: { containers: [{ name: 'c' }] },
    status: { phase: 'Running', podIP: '10.0.0.1' },
  };

  it('withoutBookkeeping drops managedFields and the last-applied copy, nothing else, and leaves a clean object as it is', () => {
    const { managedFields: _m, ...meta } = obj.metadata;
    assert.deepEqual(withoutBookkeeping(obj), { ...obj, metadata: { ...meta, annotations: { keep: 'me' } } });
    assert.equal(obj.metadata.managedFields.length, 1, 'the input is not changed');
    const clean = { metadata: { name: 'c' } };
    assert.equal(withoutBookkeeping(clean), clean);
  });

  it('keep: what an informer needs (identity, resourceVersion) always stays', () => {
    assert.deepEqual(cacheTransform({ keep: ['metadata.labels', 'status.phase'] })(obj), {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n', uid: 'u', resourceVersion: '7', labels: { a: 'b' } }, status: { phase: 'Running' },
    });
  });

  it('status: [] drops it, paths cut it down, and the rest stays whole', () => {
    const noStatus = cacheTransform({ status: [] })(obj);
    assert.equal(noStatus.status, undefined);
    assert.deepEqual(noStatus.spec, obj.spec);
    assert.deepEqual(cacheTransform({ status: ['podIP'] })(obj).status, { podIP: '10.0.0.1' });
    assert.deepEqual(cacheTransform()(obj).status, obj.status);
  });
});

describe('internStrings', () => {
  const served = (rv: string) => JSON.parse(JSON.stringify({
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: 'chat', namespace: 'ns-intern', resourceVersion: rv, labels: { app: 'chatcli-intern' }, ownerReferences: [{ uid: 'u-intern', kind: 'ChatCLIInstance' }] },
    data: { LLM_PROVIDER: 'OPENAI-intern', list: ['a-intern', 'b-intern'] },
  }));

  it('keeps every value as it was, and holds each distinct string once, the resourceVersion apart', () => {
    const before = internedCount();
    const first = internStrings(served('101'));
    const grown = internedCount() - before;
    // ConfigMap, chat, ns-intern, chatcli-intern, u-intern, ChatCLIInstance, OPENAI-intern, a-intern, b-intern
    // (v1 may already be there); not '101'.
    assert.ok(grown >= 8 && grown <= 9, `${grown} strings added`);
    assert.deepEqual(first, served('101'), 'the object is unchanged in value');
    internStrings(served('102'));
    assert.equal(internedCount() - before, grown, 'the same values again add nothing; nor does a new resourceVersion');
  });

  it('is what the cache transform ends with', () => {
    const before = internedCount();
    const out = cacheTransform()(JSON.parse(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'only-in-transform-test' } })));
    assert.equal(out.metadata?.name, 'only-in-transform-test');
    assert.equal(internedCount() - before, 1);
  });
});


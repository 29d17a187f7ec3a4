// The config hash on the pod template rolls the pods exactly when either
// ConfigMap changes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, configHash } from '../../../src/desired/hash.ts';
import { instance } from './fixtures.ts';
import { hashOf } from './support.ts';

const base = {
  provider: 'CLAUDEAI' as const,
  watcher: { enabled: true, targets: [{ deployment: 'a', namespace: 'x', metricsPort: 9090 }, { deployment: 'b', namespace: 'y' }] },
};

describe('config hash', () => {
  it('is identical for identical input, and a sha256 in hex', () => {
    const h = hashOf(instance(base));
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(hashOf(instance(structuredClone(base))), h);
  });

  it('changes when the env ConfigMap changes (model)', () => {
    assert.notEqual(hashOf(instance({ ...base, model: 'claude-opus-4' })), hashOf(instance(base)));
  });

  it('changes when only the watch-config changes (a target metrics port)', () => {
    const changed = structuredClone(base);
    changed.watcher.targets[0]!.metricsPort = 9091;
    assert.notEqual(hashOf(instance(changed)), hashOf(instance(base)));
  });

  it('does not change with what the pod does not read from a ConfigMap (replicas, resources, labels of the instance)', () => {
    assert.equal(hashOf(instance({ ...base, replicas: 4, resources: { limits: { cpu: '1' } } })), hashOf(instance(base)));
  });

  it('does not depend on key order', () => {
    const a = configHash({ LLM_PROVIDER: 'OPENAI', CHATCLI_SERVER_PORT: '1' }, { 'watch-config.yaml': 'x' });
    const b = configHash({ CHATCLI_SERVER_PORT: '1', LLM_PROVIDER: 'OPENAI' }, { 'watch-config.yaml': 'x' });
    assert.equal(a, b);
    assert.equal(canonicalJson({ b: [{ d: 1, c: 2 }], a: null }), '{"a":null,"b":[{"c":2,"d":1}]}');
  });

  it('tells "no watch-config" from an empty one and from moving a key between ConfigMaps', () => {
    assert.notEqual(configHash({ A: '1' }, undefined), configHash({ A: '1' }, {}));
    assert.notEqual(configHash({ A: '1', B: '2' }, { C: '3' }), configHash({ A: '1' }, { B: '2', C: '3' }));
  });
});

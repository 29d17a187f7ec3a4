import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatCLIInstance } from '../../../src/api/chatcliinstance.ts';
import { withDefaults } from '../../../src/api/defaults.ts';
import { instanceWith } from './invalid-instances.ts';
import { MINIMAL_SPEC_WITH_SEED_DEFAULTS, readSample } from './samples.ts';

const asInstance = (o: unknown) => o as ChatCLIInstance;

// The seed's tables, written out here rather than read from the code under test.

describe('withDefaults', () => {
  it('fills the minimal sample with every default of the seed tables', () => {
    const { spec } = withDefaults(asInstance(readSample('chatcli_v1alpha1_minimal.yaml')));
    assert.deepEqual(spec, MINIMAL_SPEC_WITH_SEED_DEFAULTS);
  });

  it('defaults inside each target and keeps what the user wrote', () => {
    const { spec } = withDefaults(asInstance(readSample('chatcli_v1alpha1_multi_target.yaml')));
    assert.deepEqual(spec.watcher.targets?.[2], { deployment: 'worker', namespace: 'batch', kind: 'Deployment', metricsPort: 0, metricsPath: '/metrics' });
    assert.deepEqual(spec.watcher.targets?.[3]?.metricsPath, '/prometheus');
    assert.equal(spec.watcher.interval, '30s');
    assert.equal(spec.watcher.maxLogLines, 100);
    assert.deepEqual(spec.persistence, { enabled: true, size: '5Gi', accessModes: ['ReadWriteOnce'] });
    assert.deepEqual(spec.server, { port: 50051, token: { name: 'chatcli-auth', key: 'token' } });
  });

  it('defaults tls.enabled only where tls is given', () => {
    assert.deepEqual(withDefaults(asInstance(instanceWith({ server: { tls: { secretName: 's' } } }))).spec.server.tls, { enabled: false, secretName: 's' });
    assert.equal(withDefaults(asInstance(instanceWith({}))).spec.server.tls, undefined);
  });

  it('leaves a given securityContext as it is, like the API server (no merge with the default)', () => {
    const { spec } = withDefaults(asInstance(instanceWith({ securityContext: { fsGroup: 2000 } })));
    assert.deepEqual(spec.securityContext, { fsGroup: 2000 });
  });

  it('treats null as absent and drops fields the schema lacks, as the API server prunes them', () => {
    const { spec } = withDefaults(asInstance(instanceWith({ watcher: null, model: null, nonsense: 1 })));
    assert.equal(spec.watcher.interval, '30s');
    assert.equal('model' in spec, false);
    assert.equal('nonsense' in spec, false);
  });

  it('keeps metadata whole and supplies the namespace only when missing', () => {
    const input = asInstance({ ...instanceWith({}), metadata: { name: 'chat', labels: { team: 'a' } } });
    assert.deepEqual(withDefaults(input, 'tools').metadata, { name: 'chat', labels: { team: 'a' }, namespace: 'tools' });
    assert.equal(withDefaults(asInstance({ ...instanceWith({}), metadata: { name: 'chat', namespace: 'x' } }), 'tools').metadata.namespace, 'x');
  });

  it('is idempotent and leaves its input alone', () => {
    const input = asInstance(readSample('chatcli_v1alpha1_single_target.yaml'));
    const before = structuredClone(input);
    const once = withDefaults(input);
    assert.deepEqual(input, before);
    assert.deepEqual(withDefaults(once), once);
  });

  it('changes nothing the full sample already spells out', () => {
    const sample = readSample('chatcli_v1alpha1_full.yaml');
    const { spec } = withDefaults(asInstance(sample));
    assert.deepEqual({ ...spec, watcher: { ...spec.watcher, targets: undefined } }, {
      ...sample.spec,
      watcher: { ...(sample.spec.watcher as object), targets: undefined },
      // The one default the seed predates.
      persistence: { ...(sample.spec.persistence as object), accessModes: ['ReadWriteOnce'] },
    });
    assert.deepEqual(spec.watcher.targets?.map((t) => [t.metricsPort, t.metricsPath]), [
      [9090, '/metrics'],
      [9090, '/metrics'],
      [0, '/metrics'],
      [3000, '/custom-metrics'],
    ]);
  });
});

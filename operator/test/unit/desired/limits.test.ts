// What the API server measures in bytes, measured before anything is applied:
// instances the CRD accepts (it counts characters) whose objects the API server
// would refuse are reported naming the field; those just under pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateInstance } from '../../../src/api/validate.ts';
import { desiredObjects } from '../../../src/desired/index.ts';
import { ANNOTATIONS_MAX_BYTES, CONFIGMAP_DATA_MAX_BYTES, oversizeErrors } from '../../../src/desired/limits.ts';
import { instance } from './fixtures.ts';
import { SAMPLE_FILES, readSample } from '../api/samples.ts';
import { withDefaults } from '../../../src/api/defaults.ts';
import type { ChatCLIInstance } from '../../../src/api/chatcliinstance.ts';

/** `count` annotations of 4096 "€" (3 bytes each in UTF-8, one character for the CRD). */
const euros = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`example.com/note-${i}`, '€'.repeat(4096)]));

/** 64 targets of 32 filters of 256 quote characters: each is escaped to two bytes in the watch-config YAML. */
const quoteFilters = () => ({
  enabled: true,
  targets: Array.from({ length: 64 }, (_, i) => ({ deployment: `app-${i}`, namespace: 'prod', metricsFilter: Array.from({ length: 32 }, () => '"'.repeat(256)) })),
});

const accepted = (spec: Record<string, unknown>) => {
  const i = instance({ provider: 'OPENAI', ...spec });
  assert.deepEqual(validateInstance({ ...i, metadata: { name: i.metadata.name, namespace: i.metadata.namespace } }), [], 'the CRD accepts it');
  return i;
};

describe('oversizeErrors', () => {
  it('refuses 22 podAnnotations of 4096 "€": the pod template\'s annotations are over 256 KiB', () => {
    const errors = oversizeErrors(desiredObjects(accepted({ podAnnotations: euros(22) })));
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]?.path, 'spec.podAnnotations');
    assert.match(errors[0]?.message ?? '', new RegExp(`pod template annotations of Deployment default/chat .* would be \\d+ bytes .*at most ${ANNOTATIONS_MAX_BYTES}`));
  });

  it('lets 21 through, the operator\'s own annotation included', () => {
    assert.deepEqual(oversizeErrors(desiredObjects(accepted({ podAnnotations: euros(21) }))), []);
  });

  it('refuses 22 Service annotations of 4096 "€", naming spec.service.annotations', () => {
    const errors = oversizeErrors(desiredObjects(accepted({ service: { annotations: euros(22) } })));
    assert.deepEqual(errors.map((e) => e.path), ['spec.service.annotations']);
  });

  it('refuses 22 ServiceAccount annotations of 4096 "€", naming spec.serviceAccount.annotations; 21 pass', () => {
    const errors = oversizeErrors(desiredObjects(accepted({ serviceAccount: { annotations: euros(22) } })));
    assert.deepEqual(errors.map((e) => e.path), ['spec.serviceAccount.annotations']);
    assert.match(errors[0]?.message ?? '', /annotations of ServiceAccount default\/chat/);
    assert.deepEqual(oversizeErrors(desiredObjects(accepted({ serviceAccount: { annotations: euros(21) } }))), []);
  });

  it('refuses 64 targets of 32 filters of 256 quotes: the watch-config ConfigMap is over 1 MiB', () => {
    const errors = oversizeErrors(desiredObjects(accepted({ watcher: quoteFilters() })));
    assert.deepEqual(errors.map((e) => e.path), ['spec.watcher.targets']);
    assert.match(errors[0]?.message ?? '', new RegExp(`data of ConfigMap default/chat-watch-config .* at most ${CONFIGMAP_DATA_MAX_BYTES}`));
  });

  it('finds nothing to say about the samples', () => {
    for (const file of SAMPLE_FILES) {
      assert.deepEqual(oversizeErrors(desiredObjects(withDefaults(readSample(file) as ChatCLIInstance, 'default'))), [], file);
    }
  });
});

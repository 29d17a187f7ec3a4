import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RULES_NOT_CHECKED, formatErrors, validateInstance } from '../../../src/api/validate.ts';
import { INVALID_CASES, instanceWith } from './invalid-instances.ts';
import { VALID_CASES } from './valid-instances.ts';
import { KNOB_FILES, SAMPLE_FILES, readSample } from './samples.ts';

describe('validateInstance accepts what the seed shows', () => {
  for (const file of SAMPLE_FILES) {
    it(`accepts the sample ${file}`, () => {
      assert.deepEqual(validateInstance(readSample(file)), []);
    });
  }

  for (const file of KNOB_FILES) {
    it(`accepts the knob example knobs/${file}`, () => {
      assert.deepEqual(validateInstance(readSample(`knobs/${file}`)), []);
    });
  }

  it('accepts a toleration of every taint, Gt on a node label, a memory target with only a limit, and two replicas on ReadWriteMany', () => {
    const spec = {
      tolerations: [{ operator: 'Exists' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }] } } },
      resources: { limits: { memory: '1Gi' } },
      autoscaling: { enabled: true, maxReplicas: 3, targetMemoryUtilizationPercentage: 75 },
      persistence: { enabled: true, accessModes: ['ReadWriteMany'] },
      replicas: 2,
    };
    assert.deepEqual(validateInstance(instanceWith(spec)), []);
  });

  it('accepts Go durations in the forms Go prints them', () => {
    for (const interval of ['1h30m', '1.5h', '250ms', '10us', '10µs', '1h0m0.5s']) {
      assert.deepEqual(validateInstance(instanceWith({ watcher: { interval } })), [], interval);
    }
  });

  it('accepts a disabled watcher that still lists targets', () => {
    assert.deepEqual(validateInstance(instanceWith({ watcher: { enabled: false, targets: [{ deployment: 'a', namespace: 'b' }] } })), []);
  });

  it('accepts the same deployment name in two namespaces', () => {
    const targets = [{ deployment: 'api', namespace: 'a' }, { deployment: 'api', namespace: 'b' }];
    assert.deepEqual(validateInstance(instanceWith({ watcher: { enabled: true, targets } })), []);
  });

  it('counts a string\'s length in characters, as the API server does: 200 and 256 emoji are a model (400 and 512 UTF-16 units)', () => {
    for (const n of [200, 256]) assert.deepEqual(validateInstance(instanceWith({ model: '\u{1F600}'.repeat(n) })), [], `${n} emoji`);
    const value = '\u{1F600}'.repeat(4096);
    assert.deepEqual(validateInstance(instanceWith({ podAnnotations: { 'example.com/face': value } })), []);
  });

  it('accepts a 46-character name, a digest tag and requests equal to limits', () => {
    const spec = {
      image: { tag: `sha256:${'a'.repeat(64)}` },
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: 1, memory: '1024Mi' } },
    };
    assert.deepEqual(validateInstance(instanceWith(spec, 'c'.repeat(46))), []);
  });
});

describe('validateInstance refuses, naming the field', () => {
  for (const c of INVALID_CASES) {
    it(`refuses ${c.name} at ${c.path}`, () => {
      const errors = validateInstance(c.instance);
      assert.ok(
        errors.some((e) => e.path === c.path && (c.message === undefined || e.message.includes(c.message))),
        `no error at ${c.path}${c.message ? ` saying "${c.message}"` : ''}; got:\n${formatErrors(errors).join('\n')}`,
      );
    });
  }

  it('has a corpus of at least 40 distinct mistakes', () => {
    assert.ok(INVALID_CASES.length >= 40);
    assert.equal(new Set(INVALID_CASES.map((c) => c.name)).size, INVALID_CASES.length);
  });

  it('says a schema error kept the CEL rules from running, as the API server does', () => {
    const errors = validateInstance(instanceWith({ replicas: -1, server: { port: 9090 } }));
    assert.deepEqual(errors.map((e) => e.path), ['spec.replicas', '']);
    assert.equal(errors[1]?.message, RULES_NOT_CHECKED);
  });

  it('reports every CEL rule that fails, not just the first', () => {
    const errors = validateInstance(instanceWith({ server: { port: 9090, tls: { enabled: true } } }));
    assert.deepEqual(errors.map((e) => e.path).sort(), ['spec.server.port', 'spec.server.tls.secretName']);
  });

  it('refuses a wrong apiVersion or kind, and a missing name', () => {
    const errors = validateInstance({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { provider: 'OPENAI' } });
    assert.deepEqual(errors.map((e) => e.path), ['apiVersion', 'kind', 'metadata.name']);
  });

  it('refuses what is not an object at all', () => {
    assert.equal(validateInstance('provider: OPENAI').length, 1);
    assert.equal(validateInstance(null).length, 1);
  });

  it('explains a format in words, not only as a regular expression', () => {
    const [error] = validateInstance(instanceWith({ watcher: { enabled: true, targets: [{ deployment: 'api', namespace: 'Prod' }] } }));
    assert.equal(error?.path, 'spec.watcher.targets[0].namespace');
    assert.match(error?.message ?? '', /DNS-1123 label/);
  });

  it('does not change its input', () => {
    const input = instanceWith({ watcher: { enabled: true } });
    const before = structuredClone(input);
    validateInstance(input);
    assert.deepEqual(input, before);
  });
});

describe('validateInstance accepts the valid-instance corpus', () => {
  for (const c of VALID_CASES) {
    it(c.name, () => assert.deepEqual(validateInstance(c.instance), []));
  }
});

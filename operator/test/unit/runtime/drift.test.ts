import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coversDesired } from '../../../src/runtime/drift.ts';

describe('coversDesired', () => {
  it('ignores fields the server or others added', () => {
    assert.equal(coversDesired({ spec: { ports: [{ port: 80 }] } }, { spec: { ports: [{ port: 80, protocol: 'TCP' }], clusterIP: '10.0.0.1' } }), true);
  });
  it('sees a changed or removed field we set', () => {
    assert.equal(coversDesired({ data: { a: '1' } }, { data: { a: '2' } }), false);
    assert.equal(coversDesired({ data: { a: '1' } }, { data: {} }), false);
  });
  it('matches a zero scalar or empty list against an absent field (the server omits them)', () => {
    assert.equal(coversDesired({ readOnly: false, args: [], n: 0 }, {}), true);
  });
  it('needs an object we send to be present, even an empty one', () => {
    assert.equal(coversDesired({ volumes: [{ name: 's', emptyDir: {} }] }, { volumes: [{ name: 's', persistentVolumeClaim: { claimName: 'x' } }] }), false);
  });
  it('sees a list of another length', () => {
    assert.equal(coversDesired({ env: [{ name: 'A' }] }, { env: [{ name: 'A' }, { name: 'B' }] }), false);
  });
  it('compares resource quantities by value, as the API server stores them canonically', () => {
    const pod = (cpu: unknown, memory: unknown) => ({ containers: [{ name: 'c', resources: { requests: { cpu, memory }, limits: { cpu, memory } } }] });
    assert.equal(coversDesired(pod('0.5', '1024Mi'), pod('500m', '1Gi')), true);
    assert.equal(coversDesired(pod(2, '1.5Gi'), pod('2', '1536Mi')), true);
    assert.equal(coversDesired({ spec: { resources: { requests: { storage: '1024Mi' } } } }, { spec: { resources: { requests: { storage: '1Gi' } } } }), true);
    assert.equal(coversDesired({ emptyDir: { sizeLimit: '0.5Gi' } }, { emptyDir: { sizeLimit: '512Mi' } }), true);
  });
  it('still sees a quantity that changed value', () => {
    assert.equal(coversDesired({ resources: { limits: { cpu: '0.5' } } }, { resources: { limits: { cpu: '400m' } } }), false);
    assert.equal(coversDesired({ resources: { requests: { memory: '1Gi' } } }, { resources: { requests: { memory: '1G' } } }), false);
  });
  it('compares strings outside quantity fields exactly: "0.5" and "500m" in a ConfigMap are different data', () => {
    assert.equal(coversDesired({ data: { cpu: '0.5' } }, { data: { cpu: '500m' } }), false);
    assert.equal(coversDesired({ metadata: { labels: { size: '1Gi' } } }, { metadata: { labels: { size: '1024Mi' } } }), false);
  });
});

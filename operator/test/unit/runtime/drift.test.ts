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
});

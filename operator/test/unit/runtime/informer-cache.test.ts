import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripManagedFields, watchTimeoutSeconds } from '../../../src/runtime/informer.ts';

describe('informer cache shaping', () => {
  it('drops managedFields and nothing else', () => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { x: 'y' }, managedFields: [{ manager: 'm' }] }, data: { k: 'v' } };
    assert.deepEqual(stripManagedFields(obj), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { x: 'y' } }, data: { k: 'v' } });
    assert.equal(obj.metadata.managedFields.length, 1, 'the input is not mutated');
  });

  it('asks the server to end each watch a bit before it would count as idle', () => {
    assert.equal(watchTimeoutSeconds(300_000, () => 0), 225);
    assert.equal(watchTimeoutSeconds(300_000, () => 0.999), 269);
    assert.equal(watchTimeoutSeconds(500, () => 0.5), 1, 'never zero (zero would mean the server default)');
  });
});

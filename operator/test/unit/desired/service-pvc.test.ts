// The Service and the sessions claim.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Service } from '@kubernetes/client-node';
import { desiredObjects } from '../../../src/desired/index.ts';
import { instance } from './fixtures.ts';
import { claimOf, findObject } from './support.ts';

describe('Service <name>', () => {
  it('is a ClusterIP with ports grpc (server port) and metrics (9090), selecting by the stable labels', () => {
    const svc = findObject(desiredObjects(instance({ provider: 'OPENAI', server: { port: 7000 } })), 'Service') as V1Service;
    assert.equal(svc.metadata?.name, 'chat');
    assert.deepEqual(svc.spec, {
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'chatcli', 'app.kubernetes.io/instance': 'chat' },
      ports: [
        { name: 'grpc', port: 7000, targetPort: 'grpc', protocol: 'TCP' },
        { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
      ],
    });
  });
});

describe('PersistentVolumeClaim <name>-sessions', () => {
  it('exists only with persistence enabled', () => {
    assert.equal(claimOf(instance({ provider: 'OPENAI' })), undefined);
    assert.equal(claimOf(instance({ provider: 'OPENAI', persistence: { enabled: false, size: '3Gi' } })), undefined);
  });

  it('with a storage class: ReadWriteOnce, the size, the class', () => {
    const pvc = claimOf(instance({ provider: 'OPENAI', persistence: { enabled: true, size: '5Gi', storageClassName: 'standard' } }));
    assert.equal(pvc?.metadata?.name, 'chat-sessions');
    assert.deepEqual(pvc?.spec, { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, storageClassName: 'standard' });
  });

  it('without a storage class: the field is absent, so the cluster default applies', () => {
    const pvc = claimOf(instance({ provider: 'OPENAI', persistence: { enabled: true } }));
    assert.deepEqual(pvc?.spec, { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    assert.equal('storageClassName' in (pvc?.spec ?? {}), false);
  });
});

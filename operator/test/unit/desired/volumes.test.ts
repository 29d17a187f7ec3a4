// spec.volumes and spec.volumeMounts: added after the operator's own, as
// written; the CRD (src/api/volumes.ts) keeps them off the operator's names and
// paths, which the test below checks against what the Deployment mounts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OPERATOR_MOUNT_PATHS, OPERATOR_VOLUMES, SEALED_MOUNT_PATHS } from '../../../src/api/volumes.ts';
import { instance } from './fixtures.ts';
import { containerOf, deploymentOf } from './support.ts';

const everything = instance({
  provider: 'OPENAI',
  server: { tls: { enabled: true, secretName: 'tls' } },
  persistence: { enabled: true },
  watcher: { enabled: true, targets: [{ deployment: 'api', namespace: 'default' }] },
  agents: { configMaps: [{ name: 'agents' }] },
  skills: { configMaps: [{ name: 'skills' }] },
  caBundle: { configMapKeyRef: { name: 'ca', key: 'ca.crt' } },
});

describe('spec.volumes and spec.volumeMounts', () => {
  it('none: the pod has only the operator\'s volumes and mounts', () => {
    const names = (deploymentOf(instance({ provider: 'OPENAI' })).spec?.template.spec?.volumes ?? []).map((v) => v.name);
    assert.ok(names.every((n) => (OPERATOR_VOLUMES as readonly string[]).includes(n)), names.join(', '));
  });

  it('are added after the operator\'s, as written', () => {
    const volumes = [{ name: 'aws', configMap: { name: 'aws-config' } }, { name: 'identity', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', path: 'token' } }] } }];
    const volumeMounts = [{ name: 'aws', mountPath: '/home/chatcli/.aws', readOnly: true }, { name: 'identity', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount' }];
    const inst = instance({ provider: 'OPENAI', volumes, volumeMounts });
    assert.deepEqual(deploymentOf(inst).spec?.template.spec?.volumes?.slice(-2), volumes);
    assert.deepEqual(containerOf(inst).volumeMounts?.slice(-2), volumeMounts);
  });

  it('the reserved names and paths are exactly what the operator mounts with every feature on', () => {
    assert.deepEqual((deploymentOf(everything).spec?.template.spec?.volumes ?? []).map((v) => v.name).sort(), [...OPERATOR_VOLUMES].sort());
    assert.deepEqual((containerOf(everything).volumeMounts ?? []).map((m) => m.mountPath).sort(), [...OPERATOR_MOUNT_PATHS].sort());
    // Sealed: read-only volumes of the operator's, and the sessions; the writable emptyDirs stay open.
    const readOnly = (containerOf(everything).volumeMounts ?? []).filter((m) => m.readOnly).map((m) => m.mountPath);
    assert.deepEqual([...SEALED_MOUNT_PATHS].sort(), [...readOnly, '/home/chatcli/.chatcli/sessions'].sort());
  });
});

// Typed access into desired objects for assertions.
import assert from 'node:assert/strict';
import type { V1ConfigMap, V1Deployment, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { desiredObjects, type KubeObject } from '../../../src/desired/index.ts';
import type { DefaultedChatCLIInstance } from '../../../src/api/chatcliinstance.ts';

export function findObject(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.ok(found, `no ${kind}${name ? ` ${name}` : ''} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

export function deploymentOf(inst: DefaultedChatCLIInstance): V1Deployment {
  return findObject(desiredObjects(inst), 'Deployment') as V1Deployment;
}

export function containerOf(inst: DefaultedChatCLIInstance) {
  const c = deploymentOf(inst).spec?.template.spec?.containers[0];
  assert.ok(c, 'no container');
  return c;
}

export function podOf(inst: DefaultedChatCLIInstance) {
  const pod = deploymentOf(inst).spec?.template.spec;
  assert.ok(pod, 'no pod template');
  return pod;
}

export function configMapOf(inst: DefaultedChatCLIInstance, name: string): V1ConfigMap {
  return findObject(desiredObjects(inst), 'ConfigMap', name) as V1ConfigMap;
}

export function claimOf(inst: DefaultedChatCLIInstance): V1PersistentVolumeClaim | undefined {
  return desiredObjects(inst).find((o) => o.kind === 'PersistentVolumeClaim') as V1PersistentVolumeClaim | undefined;
}

export function hashOf(inst: DefaultedChatCLIInstance): string {
  const h = deploymentOf(inst).spec?.template.metadata?.annotations?.['chatcli.diillson.com/config-hash'];
  assert.ok(h, 'no config hash annotation');
  return h;
}

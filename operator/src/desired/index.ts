// An instance's desired state: the exact objects it should become, in the order
// they are best applied (identity and configuration before the pods that use
// them), and what must go once the spec stops asking for it. Pure: no I/O.
import type { DefaultedChatCLIInstance } from '../api/chatcliinstance.ts';
import { desiredEnvConfigMap, envConfigData } from './configmap.ts';
import { desiredDeployment } from './deployment.ts';
import { configHash } from './hash.ts';
import { desiredAutoscaler } from './hpa.ts';
import { groupOf, ownedKind } from './kinds.ts';
import { refOf, type KubeObject, type ObjectRef } from './object.ts';
import { desiredDisruptionBudget } from './pdb.ts';
import { desiredSessionsClaim } from './pvc.ts';
import { desiredWatcherRbac } from './rbac.ts';
import { desiredService } from './service.ts';
import { desiredServiceMonitor } from './servicemonitor.ts';
import { desiredServiceAccount } from './serviceaccount.ts';
import { desiredWatchConfigMap, watchConfigData } from './watchconfig.ts';

export { OWNED_KINDS, ownedKind, type OwnedKind } from './kinds.ts';
export { refOf, type KubeObject, type ObjectRef } from './object.ts';
export { WATCHER_RULES, watcherScope, type WatcherScope } from './rbac.ts';

export function desiredObjects(instance: DefaultedChatCLIInstance): KubeObject[] {
  const envData = envConfigData(instance);
  const watchData = watchConfigData(instance);
  const claim = desiredSessionsClaim(instance);
  const autoscaler = desiredAutoscaler(instance);
  const budget = desiredDisruptionBudget(instance);
  const monitor = desiredServiceMonitor(instance);
  return [
    desiredServiceAccount(instance),
    ...desiredWatcherRbac(instance),
    desiredEnvConfigMap(instance, envData),
    ...(watchData ? [desiredWatchConfigMap(instance, watchData)] : []),
    ...(claim ? [claim] : []),
    desiredService(instance),
    ...(monitor ? [monitor] : []),
    ...(autoscaler ? [autoscaler] : []),
    ...(budget ? [budget] : []),
    desiredDeployment(instance, configHash(envData, watchData)),
  ];
}

/**
 * What to delete: objects the operator found by its label selector
 * (ownedObjectsSelector) that the spec no longer asks for. Never a
 * PersistentVolumeClaim, and never a kind the operator does not own.
 */
export function objectsToPrune(existing: readonly ObjectRef[], desired: readonly KubeObject[]): ObjectRef[] {
  const wanted = new Set(desired.map((o) => identity(refOf(o))));
  return existing.filter((ref) => {
    const kind = ownedKind(ref.apiVersion, ref.kind);
    return kind !== undefined && kind.prunable && !wanted.has(identity(ref));
  });
}

// Group rather than apiVersion: one object listed at two versions is one object.
function identity(ref: ObjectRef): string {
  return [groupOf(ref.apiVersion), ref.kind, ref.namespace ?? '', ref.name].join('/');
}

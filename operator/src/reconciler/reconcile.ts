// The reconciler: the short glue between the API (src/api), the desired state
// (src/desired), the status logic (src/status) and the generic runtime
// (src/runtime). One call brings one ChatCLIInstance to its desired state:
//   1. load the instance from the cache (gone: nothing to do);
//   2. being deleted: remove what garbage collection cannot reach, then the finalizer;
//   3. compute the desired objects; if any is cluster-scoped or in another
//      namespace (watcher RBAC), make sure our finalizer is on the instance first:
//      owner references take care of everything else;
//   4. apply every desired object that the cache shows is not already so;
//   5. prune what the spec no longer asks for (never a PersistentVolumeClaim);
//   6. compute the status from the world and write it only when it changed;
//   7. tell the user through Events when something changed or failed.
import type { KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, KIND, type ChatCLIInstance, type DefaultedChatCLIInstance } from '../api/chatcliinstance.ts';
import { withDefaults } from '../api/defaults.ts';
import { desiredObjects, objectsToPrune, refOf, type KubeObject, type ObjectRef } from '../desired/index.ts';
import { FIELD_MANAGER, FINALIZER, instanceKeyFromLabels, ownedObjectsSelector, type InstanceKey } from '../desired/names.ts';
import { applyObject, applyStatus, deleteObject } from '../runtime/apply.ts';
import { coversDesired } from '../runtime/drift.ts';
import { createWrittenOverlay } from '../runtime/written.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { request, resourcePath, type ResourceType } from '../runtime/kube.ts';
import type { Logger } from '../runtime/log.ts';
import { computeStatus } from '../status/compute.ts';
import { ConditionType } from '../status/condition-types.ts';
import { conditionTime, findCondition } from '../status/conditions.ts';
import { statusChanged } from '../status/equal.ts';
import type { DeploymentView, PodView } from '../status/views.ts';
import { Deployments as DEPLOYMENTS } from '../runtime/resources.ts';
import { INSTANCES, OWNED_TYPES, PODS, typeOf } from './types.ts';

/** What the reconciler reads: the controller's caches. */
export interface CacheReader {
  get(type: ResourceType, namespace: string | undefined, name: string): unknown;
  list(type: ResourceType, filter?: (obj: KubeObjectLike) => boolean): unknown[];
  lastResourceVersion(type: ResourceType): string;
}
type KubeObjectLike = { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } };

export interface ReconcilerDeps {
  kc: KubeConfig;
  cache: CacheReader;
  events: EventRecorder;
  log: Logger;
  /** Called after every reconcile of a live instance, and with undefined once it is gone. */
  onInstanceStatus?: (key: InstanceKey, ready: boolean | undefined) => void;
  now?: () => Date;
}

export function createReconciler(deps: ReconcilerDeps): (key: string, signal: AbortSignal) => Promise<void> {
  const now = deps.now ?? (() => new Date());
  const apply = { fieldManager: FIELD_MANAGER, force: true };
  // Our own writes count as seen until the caches catch up, so that the reconciles
  // our writes trigger find nothing left to do (no repeated writes).
  const view = createWrittenOverlay(deps.cache);

  return async function reconcile(key, signal) {
    const [namespace = '', name = ''] = key.split('/');
    const ik: InstanceKey = { namespace, name };
    let live = view.get(INSTANCES, namespace, name) as ChatCLIInstance | undefined;
    if (!live) {
      deps.onInstanceStatus?.(ik, undefined);
      return;
    }
    const log = deps.log.child({ instance: key });

    if (live.metadata.deletionTimestamp) {
      if (live.metadata.finalizers?.includes(FINALIZER)) await finalize(live, ik, signal, log);
      deps.onInstanceStatus?.(ik, undefined);
      return;
    }

    const errors: string[] = [];
    const planned = plan(live);
    if ('error' in planned) {
      errors.push(planned.error);
    } else {
      if (reachesBeyond(planned.desired, ik) && !live.metadata.finalizers?.includes(FINALIZER)) {
        // Before the first object the garbage collector could not remove.
        const updated = await applyObject(deps.kc, INSTANCES, instanceMeta(ik, [FINALIZER]), { ...apply, signal });
        view.record(INSTANCES, updated);
        live = updated as ChatCLIInstance;
      }
      errors.push(...(await applyDesired(ik, planned.desired, signal, log)));
      // Prune only against a desired state that was fully computed: never everything by mistake.
      errors.push(...(await pruneUndesired(live, ik, planned.desired, signal, log)));
    }

    const reconcileError = errors.length > 0 ? errors.join('; ') : undefined;
    await writeStatus('instance' in planned ? planned.instance : live, live, reconcileError, signal, log);
    if (reconcileError) {
      void deps.events.record(live, { type: 'Warning', reason: 'ReconcileFailed', note: reconcileError });
      throw new Error(`${key}: ${reconcileError}`);
    }
  };

  /** Our objects of this instance, as the caches hold them (found by label, in any namespace). */
  function ownedRefs(ik: InstanceKey): ObjectRef[] {
    return OWNED_TYPES.flatMap((type) =>
      deps.cache
        .list(type, (o) => sameInstance(instanceKeyFromLabels(o.metadata?.labels), ik))
        .map((o) => refOf({ apiVersion: type.apiVersion, kind: type.kind, ...(o as KubeObjectLike) } as KubeObject)),
    );
  }

  /** Applies every desired object the cache does not already show as desired; returns the errors. */
  /**
   * Applies every desired object the cache does not already show as desired;
   * returns the errors. Objects of one phase go side by side (see phaseOf).
   */
  async function applyDesired(ik: InstanceKey, desired: KubeObject[], signal: AbortSignal, log: Logger): Promise<string[]> {
    const errors: string[] = [];
    const applied: string[] = [];
    const applyOne = async (obj: KubeObject): Promise<void> => {
      const type = typeOf(obj);
      const current = view.get(type, obj.metadata.namespace, obj.metadata.name) as KubeObjectLike | undefined;
      const holder = instanceKeyFromLabels(current?.metadata?.labels);
      if (holder && !sameInstance(holder, ik)) {
        // Two instances of one name in two namespaces may both want Role <name>-watcher
        // in a shared target namespace: never take another instance's object over.
        errors.push(`${refText(refOf(obj))} already belongs to instance ${holder.namespace}/${holder.name}`);
        return;
      }
      if (current && coversDesired(obj, current)) return;
      try {
        view.record(type, await applyObject(deps.kc, type, obj as never, { ...apply, signal }));
        applied.push(refText(refOf(obj)));
      } catch (err) {
        errors.push(describe(err));
      }
    };
    for (const phase of APPLY_PHASES) await Promise.all(desired.filter((o) => phaseOf(o) === phase).map(applyOne));
    if (applied.length > 0) log.info({ applied }, 'applied');
    return errors;
  }

  /** Deletes our objects the spec no longer asks for (never a PersistentVolumeClaim); returns the errors. */
  async function pruneUndesired(live: ChatCLIInstance, ik: InstanceKey, desired: KubeObject[], signal: AbortSignal, log: Logger): Promise<string[]> {
    const errors: string[] = [];
    const pruned: string[] = [];
    for (const ref of objectsToPrune(ownedRefs(ik), desired)) {
      try {
        await deleteObject(deps.kc, typeOf(ref), { namespace: ref.namespace, name: ref.name }, { signal });
        pruned.push(refText(ref));
      } catch (err) {
        errors.push(describe(err));
      }
    }
    if (pruned.length > 0) {
      log.info({ pruned }, 'pruned');
      void deps.events.record(live, { type: 'Normal', reason: 'Pruned', note: `deleted what the spec no longer asks for: ${pruned.join(', ')}` });
    }
    return errors;
  }

  async function writeStatus(instance: DefaultedChatCLIInstance | ChatCLIInstance, live: ChatCLIInstance, reconcileError: string | undefined, signal: AbortSignal, log: Logger) {
    const { namespace, name } = live.metadata;
    const deployment = view.get(DEPLOYMENTS, namespace, name) as DeploymentView | undefined;
    const pods = deps.cache.list(PODS, (p) => p.metadata?.namespace === namespace && sameInstance(instanceKeyFromLabels(p.metadata?.labels), { namespace, name })) as PodView[];
    const status = computeStatus({ instance, deployment, pods, reconcileError, now: conditionTime(now()) });
    deps.onInstanceStatus?.({ namespace, name }, status.ready === true);
    if (!statusChanged(live.status, status)) return;
    view.record(INSTANCES, await applyStatus(deps.kc, INSTANCES, { ...instanceMeta({ namespace, name }), status } as never, { ...apply, signal }));

    const before = findCondition(live.status?.conditions, ConditionType.Available);
    const after = findCondition(status.conditions, ConditionType.Available);
    // A new instance starts unavailable: that is no news. Tell of transitions only.
    if (after && before && before.status !== after.status || (after?.status === 'True' && !before)) {
      log.info({ available: after.status, reason: after.reason }, after.message);
      void deps.events.record(live, {
        type: after.status === 'True' ? 'Normal' : 'Warning',
        reason: after.status === 'True' ? 'Available' : 'Unavailable',
        note: after.message,
      });
    }
  }

  /** Cluster-scoped and other-namespace objects have no owner reference: delete them, then let go. */
  async function finalize(live: ChatCLIInstance, ik: InstanceKey, signal: AbortSignal, log: Logger) {
    // A live list, not the cache: an object applied a moment ago must not be missed.
    const leftovers: ObjectRef[] = [];
    for (const type of OWNED_TYPES) {
      const list = await request<{ items: KubeObjectLike[] }>(deps.kc, {
        method: 'GET',
        path: resourcePath(type),
        query: { labelSelector: ownedObjectsSelector(ik) },
        signal,
      });
      for (const o of list.items) {
        const ns = o.metadata?.namespace;
        if (ns === ik.namespace) continue; // the garbage collector's, through the owner reference
        leftovers.push({ apiVersion: type.apiVersion, kind: type.kind, ...(ns ? { namespace: ns } : {}), name: o.metadata?.name ?? '' });
      }
    }
    for (const ref of leftovers) await deleteObject(deps.kc, typeOf(ref), { namespace: ref.namespace, name: ref.name }, { signal });
    await applyObject(deps.kc, INSTANCES, instanceMeta(ik), { ...apply, signal });
    log.info({ deleted: leftovers.map(refText) }, 'finalized');
  }
}

/** Whether some desired object lies beyond the garbage collector's reach (no owner reference possible). */
function reachesBeyond(desired: KubeObject[], ik: InstanceKey): boolean {
  return desired.some((o) => o.metadata.namespace !== ik.namespace);
}

const APPLY_PHASES = ['roles', 'rest', 'workload'] as const;
/**
 * Roles before their bindings: the API server checks a new binding against the
 * rules of the role it names, and refuses it while that role does not exist.
 * The Deployment last, so its pods find their ServiceAccount and ConfigMaps.
 */
function phaseOf(o: KubeObject): (typeof APPLY_PHASES)[number] {
  if (o.kind === 'Role' || o.kind === 'ClusterRole') return 'roles';
  return o.kind === DEPLOYMENTS.kind ? 'workload' : 'rest';
}

/** The defaulted instance, or why it cannot be used (an object stored before a schema change, say). */
function plan(live: ChatCLIInstance): { instance: DefaultedChatCLIInstance; desired: KubeObject[] } | { error: string } {
  try {
    const instance = withDefaults(live);
    return { instance, desired: desiredObjects(instance) };
  } catch (err) {
    return { error: `the spec cannot be turned into objects: ${describe(err)}` };
  }
}

function instanceMeta(ik: InstanceKey, finalizers?: string[]) {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: ik.name, namespace: ik.namespace, ...(finalizers ? { finalizers } : {}) },
  };
}

function sameInstance(a: InstanceKey | undefined, b: InstanceKey): boolean {
  return a !== undefined && a.name === b.name && a.namespace === b.namespace;
}

function refText(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// The reconciler: the short glue between the API (src/api), the desired state
// (src/desired), the status logic (src/status) and the generic runtime
// (src/runtime). One call brings one ChatCLIInstance to its desired state:
//   1. load the instance from the cache (gone: only remove what escaped its
//      finalizer, see removeLeftovers);
//   2. being deleted: remove what garbage collection cannot reach, then the finalizer;
//   3. compute the desired objects (a stored spec the current schema refuses,
//      stored before one of its rules existed, is reported and nothing applied),
//      without watcher grants in namespaces the
//      tenancy guard refuses (src/desired/tenancy.ts); if any is cluster-scoped or in another
//      namespace (watcher RBAC), make sure our finalizer is on the instance first:
//      owner references take care of everything else;
//   4. create (POST) every desired object the cache does not show, and apply
//      every one it shows not already so, in phases; a create refused because
//      the name is taken reads the object; one that exists and is not
//      provably this instance's (owner reference or owner-uid annotation,
//      never labels) is a Conflict, left untouched; a phase that fails stops the later ones (no Deployment rolled
//      to a configuration that was not applied);
//   5. only then prune what the spec no longer asks for and is provably ours
//      (never a PersistentVolumeClaim);
//   6. compute the status from the world and write it only when it changed;
//   7. tell the user through Events when something changed or failed.
import type { ClusterConfig } from '../runtime/kubeconfig.ts';
import { API_VERSION, KIND, type ChatCLIInstance, type DefaultedChatCLIInstance } from '../api/chatcliinstance.ts';
import { withDefaults } from '../api/defaults.ts';
import { formatErrors, validateInstance } from '../api/validate.ts';
import { desiredObjects, objectsToPrune, refOf, watcherScope, type KubeObject, type ObjectRef } from '../desired/index.ts';
import { providerNotInImage, targetKindsNotInImage } from '../desired/chatcli.ts';
import { strategyResetBeforeApply } from '../desired/deployment.ts';
import { oversizeErrors } from '../desired/limits.ts';
import { replicasHandover } from '../desired/hpa.ts';
import { FIELD_MANAGER, FINALIZER, instanceKeyFromLabels, ownedObjectsSelector, OWNER_UID_ANNOTATION, REPLICAS_HANDOVER_MANAGER, type InstanceKey } from '../desired/names.ts';
import { isOwnedBy, provenOwnerUid, type OwnershipMeta } from '../desired/object.ts';
import { DEFAULT_WATCH_NAMESPACE_POLICY, isWatchable, refusedMessage, refusedWatchNamespaces, WATCHABLE_NAMESPACES_SELECTOR, withoutGrantsIn, type RefusedNamespace, type WatchNamespacePolicy } from '../desired/tenancy.ts';
import { grantsToRevoke, predecessorLeftovers, type UnwatchedNamespace } from '../desired/grants.ts';
import { claimNeverShrunk, claimRequest, withClaimRequest } from '../desired/pvc.ts';
import { isWatcherGrant } from '../desired/rbac.ts';
import { applyObject, applyStatus, createObject, deleteObject, getObject, handOverToApply, isChangedSinceRead, patchMerge, removeFromList } from '../runtime/apply.ts';
import { holdsByUpdate } from '../runtime/managed-fields.ts';
import { coversDesired } from '../runtime/drift.ts';
import { createWrittenOverlay, type CacheView } from '../runtime/written.ts';
import type { EventRecorder } from '../runtime/events.ts';
import type { ReconcileOutcome } from '../runtime/controller.ts';
import { ApiError, isAlreadyExists, isConflict, isNotFound, request, resourcePath, type KubeObject as ServerObject, type ResourceType } from '../runtime/kube.ts';
import type { Logger } from '../runtime/log.ts';
import { computeStatus } from '../status/compute.ts';
import { AvailableReason, ConditionType, ReconcileReason } from '../status/condition-types.ts';
import { conditionTime, findCondition } from '../status/conditions.ts';
import { statusChanged } from '../status/equal.ts';
import type { WatcherView } from '../status/watcher.ts';
import type { DeploymentView, PodView } from '../status/views.ts';
import { Deployments as DEPLOYMENTS, Namespaces as NAMESPACES } from '../runtime/resources.ts';
import { deletableTypes, INSTANCES, PODS, servedTypes, typeOf } from './types.ts';

/** What the reconciler reads: the controller's caches. */
export interface CacheReader {
  get(type: ResourceType, namespace: string | undefined, name: string): unknown;
  list(type: ResourceType, filter?: (obj: KubeObjectLike) => boolean): unknown[];
  /**
   * The cached objects of an owned kind labelled for the instance "namespace/name",
   * from an index (the controller's); without it, `list` is scanned.
   */
  listOwnedBy?(type: ResourceType, instanceKey: string): unknown[];
  lastResourceVersion(type: ResourceType): string;
  /** The object as the cache of its type would keep it; without it, kept whole. */
  shape?: CacheView['shape'];
}
type KubeObjectLike = { metadata?: OwnershipMeta & { name?: string; uid?: string; resourceVersion?: string; labels?: Record<string, string> } };
/** Who owns what: the instance's namespace and uid (the proof an object must carry). */
type Owner = { namespace: string; uid?: string };

export interface ReconcilerDeps {
  kc: ClusterConfig;
  cache: CacheReader;
  events: EventRecorder;
  log: Logger;
  /** Called after every reconcile of a live instance, and with undefined once it is gone. */
  onInstanceStatus?: (key: InstanceKey, ready: boolean | undefined) => void;
  /** Which watcher namespaces may be granted (default label: the cache must then hold the labelled Namespaces). */
  watchNamespacePolicy?: WatchNamespacePolicy;
  /** The owned kinds this cluster serves (types.ts servedTypes; default: none of the optional ones). */
  ownedTypes?: readonly ResourceType[];
  now?: () => Date;
}
/** How plan() decides which watcher namespaces get a grant. */
type Tenancy = { policy: WatchNamespacePolicy; watchable: (namespace: string) => boolean };

export function createReconciler(deps: ReconcilerDeps): (key: string, signal: AbortSignal) => Promise<ReconcileOutcome | undefined> {
  const now = deps.now ?? (() => new Date());
  const apply = { fieldManager: FIELD_MANAGER, force: true };
  const OWNED_TYPES = deps.ownedTypes ?? servedTypes([]);
  const DELETABLE_TYPES = deletableTypes(OWNED_TYPES);
  const served = (o: KubeObject) => OWNED_TYPES.some((t) => t.apiVersion === o.apiVersion && t.kind === o.kind);
  // Our own writes count as seen until the caches catch up, so that the reconciles
  // our writes trigger find nothing left to do (no repeated writes).
  const view = createWrittenOverlay(deps.cache);
  // Claims whose expansion the API server refused, by uid, with the size refused:
  // not asked again until the spec asks for another size (claimToApply).
  const unexpandable = new Map<string, string>();
  // Uids finalize deleted lately: the caches may still show them for a moment (removeLeftovers).
  const finalized = recentSet(60_000);
  const tenancy: Tenancy = {
    policy: deps.watchNamespacePolicy ?? DEFAULT_WATCH_NAMESPACE_POLICY,
    // One being deleted is not: its content goes, and the API server refuses new content there.
    watchable: (ns) => {
      const meta = (view.get(NAMESPACES, undefined, ns) as KubeObjectLike | undefined)?.metadata as (KubeObjectLike['metadata'] & { deletionTimestamp?: string }) | undefined;
      return !meta?.deletionTimestamp && isWatchable(meta?.labels);
    },
  };

  return async function reconcile(key, signal) {
    const [namespace = '', name = ''] = key.split('/');
    const ik: InstanceKey = { namespace, name };
    let live = view.get(INSTANCES, namespace, name) as ChatCLIInstance | undefined;
    if (!live) {
      deps.onInstanceStatus?.(ik, undefined);
      await removeLeftovers(ik, signal);
      return;
    }
    const log = deps.log.child({ instance: key });

    if (live.metadata.deletionTimestamp) {
      if (live.metadata.finalizers?.includes(FINALIZER)) await finalize(live, ik, signal, log);
      deps.onInstanceStatus?.(ik, undefined);
      return;
    }

    const errors: string[] = [];
    const conflicts: string[] = [];
    // Whether the only failures are grants that are not ours: a standing state, rechecked (GRANT_RECHECK_MS).
    let onlyGrantConflicts = false;
    // The namespaces the watcher names and cannot read, and why (WatcherReady).
    const unwatched: UnwatchedNamespace[] = [];
    const planned = plan(live, tenancy);
    if (!('error' in planned)) {
      // A kind of a CRD this cluster lacks (a ServiceMonitor without the Prometheus Operator): left out, and said.
      const unserved = planned.desired.filter((o) => !served(o));
      if (unserved.length > 0) {
        planned.desired = planned.desired.filter(served);
        // Once per spec (not on every reconcile of the same one: an Event is a write).
        if (live.status?.observedGeneration !== live.metadata.generation) {
        const what = unserved.map((o) => `${o.kind} ${o.metadata.name} (${o.apiVersion})`).join(', ');
          log.warn({ notMade: what }, 'a kind the cluster does not serve');
          void deps.events.record(live, { type: 'Warning', reason: 'KindNotInstalled', note: `not made: ${what}: the cluster had no such CRD when the operator started; install it (the Prometheus Operator's) and restart the operator` });
        }
      }
    }
    if ('error' in planned) {
      errors.push(planned.error);
      // Revocation never waits, not even for a spec that can be read again.
      errors.push(...(await revokeGrants(live, ik, undefined, new Set(), signal, log)));
    } else {
      if (reachesBeyond(planned.desired, ik) && !live.metadata.finalizers?.includes(FINALIZER)) {
        // Before the first object the garbage collector could not remove. By uid: an
        // instance deleted since the cache saw it must not be created again (409).
        const updated = await applyToInstance(live, instanceMeta(ik, [FINALIZER]), signal);
        if (!updated) return;
        view.record(INSTANCES, updated);
        live = updated as ChatCLIInstance;
      }
      const owner: Owner = { namespace, uid: live.metadata.uid };
      const leftovers = await removePredecessorLeftovers(live, ik, signal, log);
      errors.push(...leftovers.errors);
      const applied = await applyDesired(live, owner, planned.desired, leftovers.removed, signal, log);
      conflicts.push(...applied.conflicts);
      errors.push(...applied.errors);
      onlyGrantConflicts = applied.onlyGrantConflicts && leftovers.errors.length === 0;
      unwatched.push(...planned.refused.map((r) => ({ namespace: r.namespace, why: `not labelled ${WATCHABLE_NAMESPACES_SELECTOR} (${r.field}): nothing granted` })), ...applied.unwatched);
      const cleanup = await revokeGrants(live, ik, planned.desired, applied.pendingGrants, signal, log);
      // Prune the rest only against a desired state that was fully computed (never
      // everything by mistake) and whose workload applied (the pods may still use
      // what the spec dropped). A grant that failed alone does not hold it back.
      if (!applied.workloadHeld && leftovers.errors.length === 0) cleanup.push(...(await pruneUndesired(live, ik, owner, planned.desired, signal, log)));
      errors.push(...cleanup);
      if (cleanup.length > 0) onlyGrantConflicts = false;
    }

    const failures = [...conflicts, ...errors];
    const reconcileError = failures.length > 0 ? failures.join('; ') : undefined;
    const notPermitted = 'refused' in planned && planned.refused.length > 0 ? refusedMessage(planned.refused) : undefined;
    const watcher = 'instance' in planned
      ? { namespaces: watchedNamespaces(planned.instance), unwatched, kindsNotInImage: targetKindsNotInImage(planned.instance.spec) }
      : undefined;
    await writeStatus('instance' in planned ? planned.instance : live, live, reconcileError, conflicts.length > 0, notPermitted, watcher, signal, log);
    if (reconcileError) {
      const reason = conflicts.length > 0 ? ReconcileReason.Conflict : ReconcileReason.ReconcileFailed;
      void deps.events.record(live, { type: 'Warning', reason, note: reconcileError });
      // A grant that is not ours stays until someone acts, and the server runs
      // meanwhile: no backoff growing to a quarter of an hour, but a look every
      // GRANT_RECHECK_MS (an unlabelled object's removal reaches no cache).
      if (onlyGrantConflicts) return { requeueAfter: GRANT_RECHECK_MS };
      throw new Error(`${key}: ${reconcileError}`);
    }
    return undefined;
  };

  /**
   * The cached objects of a kind labelled for this instance (labels name it; the
   * proof of ownership is checked by the caller). From the controller's index:
   * a scan of every cached object per reconcile made convergence quadratic.
   */
  function labelledFor(type: ResourceType, ik: InstanceKey): KubeObjectLike[] {
    if (deps.cache.listOwnedBy) return deps.cache.listOwnedBy(type, `${ik.namespace}/${ik.name}`) as KubeObjectLike[];
    return deps.cache.list(type, (o) => sameInstance(instanceKeyFromLabels(o.metadata?.labels), ik)) as KubeObjectLike[];
  }

  /**
   * This instance's objects as the caches hold them: found by label (in any
   * namespace), kept only with proof of ownership, each with its uid.
   */
  function ownedRefs(ik: InstanceKey, owner: Owner): (ObjectRef & { uid?: string })[] {
    return OWNED_TYPES.flatMap((type) =>
      labelledFor(type, ik)
        .filter((o) => isOwnedBy(o.metadata, owner))
        .map((o) => ({ ...refOf({ apiVersion: type.apiVersion, kind: type.kind, ...o } as KubeObject), uid: o.metadata?.uid })),
    );
  }

  /**
   * Applies every desired object the cache does not already show as desired.
   * Objects of one phase go side by side (see phaseOf); a failure of an object
   * the server needs stops the later phases (workloadHeld). A watcher grant that
   * fails costs only its namespace: its binding is held, the rest goes on, and
   * the namespace is reported (unwatched) and kept from revocation (pendingGrants).
   * Returns the errors and, apart, the conflicts: objects that exist without
   * proof that they are this instance's, left untouched. `removed` are uids
   * deleted a moment ago that the caches may still show.
   */
  async function applyDesired(live: ChatCLIInstance, owner: Owner, desired: KubeObject[], removed: ReadonlySet<string>, signal: AbortSignal, log: Logger) {
    const errors: string[] = [];
    const conflicts: string[] = [];
    const applied: string[] = [];
    const unwatched = new Map<string, string>();
    let workloadHeld = false;
    let grantErrors = 0;
    // The caches hold only labelled objects: one they do not show may still
    // exist unlabelled. A create (POST) is the proof of absence: it makes the
    // object, or fails with AlreadyExists (then it is read, and must prove
    // itself ours like any other). No read for an object that is not there.
    const cached = (obj: KubeObject): KubeObjectLike | undefined => {
      const seen = view.get(typeOf(obj), obj.metadata.namespace, obj.metadata.name) as KubeObjectLike | undefined;
      // Deleted by uid just now (a predecessor's): absent, whatever the cache still shows.
      return seen && removed.has(seen.metadata?.uid ?? '') ? undefined : seen;
    };
    const failed = (obj: KubeObject, problem: string, conflict: boolean) => {
      (conflict ? conflicts : errors).push(problem);
      if (!isWatcherGrant(obj)) workloadHeld = true;
      else if (!conflict) grantErrors++;
      else if (!unwatched.has(obj.metadata.namespace ?? '')) unwatched.set(obj.metadata.namespace ?? '', problem);
    };
    const applyOne = async (wanted: KubeObject): Promise<void> => {
      let obj = wanted;
      const type = typeOf(obj);
      const ref = { namespace: obj.metadata.namespace, name: obj.metadata.name };
      let current = cached(wanted);
      try {
        if (!current) {
          const created = await createUnlessExists(type, obj, signal);
          if (created) {
            view.record(type, created);
            applied.push(refText(refOf(obj)));
            return;
          }
          current = (await getObject(deps.kc, type, ref, { signal })) as KubeObjectLike | undefined;
          if (!current) throw new Error(`${refText(refOf(obj))} existed at its create and was gone when read; will retry`);
        }
        if (!isOwnedBy(current.metadata, owner)) {
          failed(obj, conflictText(refOf(obj), current, owner), true);
          return;
        }
        if (obj.kind === 'PersistentVolumeClaim') obj = claimToApply(live, obj, current);
        if (coversDesired(obj, current)) return;
        const uid = current.metadata?.uid;
        // A Deployment an earlier version made keeps a defaulted rollingUpdate
        // nobody owns, which no apply can remove and Recreate refuses: clear it first.
        const reset = strategyResetBeforeApply(obj, current);
        if (reset) await patchMerge(deps.kc, type, ref, reset, { resourceVersion: current.metadata?.resourceVersion, signal });
        // What our create set is held by its Update entry, which no apply of ours
        // can remove: handed over to our apply once, before the first update.
        if (holdsByUpdate(current, FIELD_MANAGER)) await handOverToApply(deps.kc, type, ref, FIELD_MANAGER, { uid, signal });
        // An autoscaled Deployment keeps the replicas it has while our apply stops
        // declaring them (not forced: a count changed since the read is a conflict, retried).
        const handover = replicasHandover(obj, current);
        if (handover) await applyObject(deps.kc, type, handover as never, { fieldManager: REPLICAS_HANDOVER_MANAGER, force: false, uid, signal });
        // An update goes to the object proven ours, by uid, never to one that replaced it.
        view.record(type, await applyObject(deps.kc, type, obj as never, { ...apply, uid, signal }));
        applied.push(refText(refOf(obj)));
      } catch (err) {
        if (current && obj.kind === 'PersistentVolumeClaim' && claimNotExpandable(live, obj, current, err)) return;
        failed(obj, describe(err), false);
      }
    };
    const held: string[] = [];
    for (const phase of APPLY_PHASES) {
      const objects = desired.filter((o) => phaseOf(o) === phase);
      // A grant waits for the ServiceAccount it binds and for its own namespace's Role.
      const holds = (o: KubeObject) => workloadHeld || (isWatcherGrant(o) && unwatched.has(o.metadata.namespace ?? ''));
      for (const o of objects.filter(holds)) {
        held.push(refText(refOf(o)));
        if (isWatcherGrant(o) && !unwatched.has(o.metadata.namespace ?? '')) unwatched.set(o.metadata.namespace ?? '', 'held until the objects above apply');
      }
      await Promise.all(objects.filter((o) => !holds(o)).map(applyOne));
    }
    if (applied.length > 0) log.info({ applied }, 'applied');
    if (held.length > 0) errors.push(`not applied until the above succeeds: ${held.join(', ')}`);
    return {
      errors,
      conflicts,
      workloadHeld,
      // Every failure a watcher grant that is not ours (held bindings aside): the server runs.
      onlyGrantConflicts: !workloadHeld && grantErrors === 0 && conflicts.length > 0,
      unwatched: [...unwatched].map(([namespace, why]): UnwatchedNamespace => ({ namespace, why })),
      pendingGrants: new Set(unwatched.keys()),
    };
  }

  /**
   * Creates the object (POST, under our field manager); undefined when one of
   * its name exists. Never forced, never taken over: the create is atomic.
   */
  async function createUnlessExists(type: ResourceType, obj: KubeObject, signal: AbortSignal): Promise<ServerObject | undefined> {
    try {
      return await createObject(deps.kc, type, obj as ServerObject, { fieldManager: FIELD_MANAGER, signal });
    } catch (err) {
      if (isAlreadyExists(err)) return undefined;
      throw err;
    }
  }

  /**
   * The claim to apply over an existing one: never smaller than it is (the size
   * is kept and a Normal Event says so), and not an expansion its StorageClass
   * already refused for this size (reported once, not retried in a loop).
   */
  function claimToApply(live: ChatCLIInstance, desired: KubeObject, current: KubeObjectLike): KubeObject {
    const { claim, kept } = claimNeverShrunk(desired, current);
    const existing = claimRequest(current) ?? '';
    if (kept) {
      void deps.events.record(live, {
        type: 'Normal',
        reason: 'ClaimKept',
        note: `PersistentVolumeClaim ${desired.metadata.name} requests ${kept.existing}; spec.persistence.size ${kept.requested} would shrink it, so it is kept as it is (claims are never shrunk)`,
      });
      return claim;
    }
    const refused = unexpandable.get(current.metadata?.uid ?? '');
    return refused !== undefined && refused === claimRequest(desired) ? withClaimRequest(desired, existing) : claim;
  }

  /** Whether an apply's failure is the API server refusing to expand the claim: then reported, remembered, and not a failure to retry. */
  function claimNotExpandable(live: ChatCLIInstance, desired: KubeObject, current: KubeObjectLike, err: unknown): boolean {
    const requested = claimRequest(desired);
    if (!(err instanceof ApiError) || (err.status !== 422 && err.status !== 403) || requested === claimRequest(current) || !requested) return false;
    unexpandable.set(current.metadata?.uid ?? '', requested);
    void deps.events.record(live, {
      type: 'Warning',
      reason: 'ClaimNotExpanded',
      note: `PersistentVolumeClaim ${desired.metadata.name} was not expanded to spec.persistence.size ${requested}, kept at ${claimRequest(current) ?? '?'}: ${describe(err)}`,
    });
    return true;
  }

  /**
   * Deletes what the spec no longer asks for and is provably ours (never a
   * PersistentVolumeClaim, and not the watcher's grants: revokeGrants), each by
   * uid; returns the errors. Reports only what this call really deleted: one
   * already gone, or replaced, was not.
   */
  async function pruneUndesired(live: ChatCLIInstance, ik: InstanceKey, owner: Owner, desired: KubeObject[], signal: AbortSignal, log: Logger): Promise<string[]> {
    const owned = ownedRefs(ik, owner);
    const { deleted, errors } = await deleteOwned(objectsToPrune(owned, desired).filter((ref) => !isWatcherGrant(ref)), owned, signal);
    if (deleted.length > 0) {
      log.info({ pruned: deleted }, 'pruned');
      void deps.events.record(live, { type: 'Normal', reason: 'Pruned', note: `deleted what the spec no longer asks for: ${deleted.join(', ')}` });
    }
    return errors;
  }

  /**
   * Takes back, on every reconcile and whatever else failed, the watcher's grants
   * the spec no longer asks for (grants.ts grantsToRevoke); `desired` undefined
   * when the spec could not be turned into objects. Returns the errors.
   */
  async function revokeGrants(live: ChatCLIInstance, ik: InstanceKey, desired: KubeObject[] | undefined, pending: ReadonlySet<string>, signal: AbortSignal, log: Logger): Promise<string[]> {
    const owned = ownedRefs(ik, { namespace: ik.namespace, uid: live.metadata.uid });
    const permitted = (ns: string) => ns === ik.namespace || tenancy.policy === 'any' || tenancy.watchable(ns);
    const { deleted, errors } = await deleteOwned(grantsToRevoke(owned, desired, pending, permitted), owned, signal);
    if (deleted.length > 0) {
      log.info({ revoked: deleted }, 'revoked watcher access');
      void deps.events.record(live, { type: 'Normal', reason: 'AccessRevoked', note: `deleted watcher grants no longer asked for or permitted: ${deleted.join(', ')}` });
    }
    return errors;
  }

  /** Deletes each ref by the uid it was found with (never one that replaced it). */
  async function deleteOwned(refs: readonly ObjectRef[], owned: readonly (ObjectRef & { uid?: string })[], signal: AbortSignal) {
    const deleted: string[] = [];
    const errors: string[] = [];
    for (const ref of refs) {
      const uid = owned.find((o) => o === ref)?.uid;
      try {
        if (await deleteObject(deps.kc, typeOf(ref), { namespace: ref.namespace, name: ref.name }, { uid, signal })) deleted.push(refText(ref));
      } catch (err) {
        if (!isConflict(err)) errors.push(describe(err)); // 409: replaced since; not ours to delete
      }
    }
    return { deleted, errors };
  }

  /**
   * Deletes what a previous instance of this name left (grants.ts
   * predecessorLeftovers: its uid in the proof, no live instance with it), by
   * uid, before anything is applied: its grants must not pass to this instance,
   * and its objects must not stand in this one's way. Returns the uids deleted.
   */
  async function removePredecessorLeftovers(live: ChatCLIInstance, ik: InstanceKey, signal: AbortSignal, log: Logger) {
    const removed = new Set<string>();
    const errors: string[] = [];
    const liveUids = () => new Set(deps.cache.list(INSTANCES).map((i) => (i as KubeObjectLike).metadata?.uid));
    let uids: Set<string | undefined> | undefined;
    const isLive = (uid: string) => (uids ??= liveUids()).has(uid);
    for (const type of DELETABLE_TYPES) {
      for (const o of predecessorLeftovers(labelledFor(type, ik), { namespace: ik.namespace, uid: live.metadata.uid }, isLive)) {
        const ref: ObjectRef = { apiVersion: type.apiVersion, kind: type.kind, ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata?.name ?? '' };
        try {
          await deleteObject(deps.kc, type, { namespace: ref.namespace, name: ref.name }, { uid: o.metadata?.uid, signal });
          removed.add(o.metadata?.uid ?? '');
          log.info({ deleted: refText(ref), ownerUid: provenOwnerUid(o.metadata, ik.namespace) }, 'removed a leftover of a previous instance of this name');
          void deps.events.record(live, { type: 'Normal', reason: 'LeftoverRemoved', note: `deleted ${refText(ref)}, left by a previous instance of this name (uid ${provenOwnerUid(o.metadata, ik.namespace)})` });
        } catch (err) {
          if (!isConflict(err)) errors.push(`${refText(ref)} (a previous instance's): ${describe(err)}`);
        }
      }
    }
    return { removed, errors };
  }

  async function writeStatus(
    instance: DefaultedChatCLIInstance | ChatCLIInstance,
    live: ChatCLIInstance,
    reconcileError: string | undefined,
    conflict: boolean,
    notPermitted: string | undefined,
    watcher: WatcherView | undefined,
    signal: AbortSignal,
    log: Logger,
  ) {
    const { namespace, name } = live.metadata;
    const deployment = view.get(DEPLOYMENTS, namespace, name) as DeploymentView | undefined;
    const pods = labelledFor(PODS, { namespace, name }).filter((p) => p.metadata?.namespace === namespace) as PodView[];
    const providerGap = providerNotInImage(instance.spec);
    const status = computeStatus({ instance, deployment, pods, reconcileError, conflict, notPermitted, watcher, providerGap, now: conditionTime(now()) });
    deps.onInstanceStatus?.({ namespace, name }, status.ready === true);
    if (!statusChanged(live.status, status)) return;
    view.record(INSTANCES, await applyStatus(deps.kc, INSTANCES, { ...instanceMeta({ namespace, name }), status } as never, { ...apply, signal }));

    const refusal = findCondition(status.conditions, ConditionType.ReconcileSucceeded);
    const previous = findCondition(live.status?.conditions, ConditionType.ReconcileSucceeded);
    if (refusal?.reason === ReconcileReason.TargetNotPermitted && (previous?.reason !== refusal.reason || previous.message !== refusal.message)) {
      log.warn(refusal.message);
      void deps.events.record(live, { type: 'Warning', reason: refusal.reason, note: refusal.message });
    }

    // A namespace newly not watched (or watched again) is news; the same standing refusal is not.
    const watching = findCondition(status.conditions, ConditionType.WatcherReady);
    const watchedBefore = findCondition(live.status?.conditions, ConditionType.WatcherReady);
    if (watching?.status === 'False' && (watchedBefore?.status !== 'False' || watchedBefore.message !== watching.message)) {
      void deps.events.record(live, { type: 'Warning', reason: 'NamespacesNotWatched', note: watching.message });
    }

    const before = findCondition(live.status?.conditions, ConditionType.Available);
    const after = findCondition(status.conditions, ConditionType.Available);
    // A new instance starts unavailable: that is no news. Tell of transitions, and of
    // pods the API server refuses, news even for an instance that never was Available.
    const flipped = after !== undefined && before !== undefined && before.status !== after.status;
    const newlyRefused = after?.reason === AvailableReason.ReplicaFailure && before?.reason !== AvailableReason.ReplicaFailure;
    if (after && (flipped || newlyRefused || (after.status === 'True' && !before))) {
      log.info({ available: after.status, reason: after.reason }, after.message);
      void deps.events.record(live, {
        type: after.status === 'True' ? 'Normal' : 'Warning',
        reason: after.status === 'True' ? 'Available' : 'Unavailable',
        note: after.message,
      });
    }
  }

  /**
   * Cluster-scoped and other-namespace objects have no owner reference: delete
   * those provably ours (owner-uid annotation), then let go. Kinds the operator
   * never deletes (claims) are not even looked at. One failure does not stop the
   * rest; whatever could not be removed is reported (Event, log) and the
   * finalizer stays, so the work queue retries.
   */
  async function finalize(live: ChatCLIInstance, ik: InstanceKey, signal: AbortSignal, log: Logger) {
    const owner: Owner = { namespace: ik.namespace, uid: live.metadata.uid };
    const deleted: string[] = [];
    const failed: string[] = [];
    for (const type of DELETABLE_TYPES) {
      let items: KubeObjectLike[];
      try {
        // A live list, not the cache: an object applied a moment ago must not be missed.
        const query = { labelSelector: ownedObjectsSelector(ik) };
        items = (await request<{ items: KubeObjectLike[] }>(deps.kc, { method: 'GET', path: resourcePath(type), query, signal })).items;
      } catch (err) {
        failed.push(`${type.kind} (list): ${describe(err)}`);
        continue;
      }
      for (const o of items) {
        const ns = o.metadata?.namespace;
        // In the instance namespace: the garbage collector's, through the owner reference.
        if (ns === ik.namespace || !isOwnedBy(o.metadata, owner)) continue;
        const ref: ObjectRef = { apiVersion: type.apiVersion, kind: type.kind, ...(ns ? { namespace: ns } : {}), name: o.metadata?.name ?? '' };
        try {
          if (await deleteObject(deps.kc, type, { namespace: ns, name: ref.name }, { uid: o.metadata?.uid, signal })) {
            deleted.push(refText(ref));
            finalized.add(o.metadata?.uid ?? '');
          }
        } catch (err) {
          if (!isConflict(err)) failed.push(`${refText(ref)}: ${describe(err)}`); // 409: replaced since, not ours
        }
      }
    }
    if (failed.length > 0) {
      const note = `could not remove, will retry: ${failed.join('; ')}`;
      log.error({ deleted, failed }, 'finalize incomplete');
      void deps.events.record(live, { type: 'Warning', reason: 'FinalizeFailed', note });
      throw new Error(`${ik.namespace}/${ik.name}: ${note}`);
    }
    // Nothing to remove (already gone, or our finalizer taken off by a reconcile the cache has not seen yet): done.
    if (await removeFinalizer(live, ik, signal)) log.info({ deleted }, 'finalized');
  }

  /**
   * The instance is gone: what is still labelled for it beyond the garbage
   * collector's reach (another namespace, cluster-scoped) and carries the
   * owner-uid annotation was made for it and escaped the finalizer: the API
   * server lets a DELETE that read no finalizer win over our finalizer applied
   * a moment later, and a dead leader's write can land after its successor
   * finalized. Deleted by uid. The caches tell: such an object's own event
   * queues this key.
   */
  async function removeLeftovers(ik: InstanceKey, signal: AbortSignal): Promise<void> {
    const failed: string[] = [];
    for (const type of DELETABLE_TYPES) {
      const leftovers = labelledFor(type, ik)
        .filter((o) => o.metadata?.namespace !== ik.namespace && o.metadata?.annotations?.[OWNER_UID_ANNOTATION] && !finalized.has(o.metadata.uid ?? ''));
      for (const o of leftovers) {
        const ref: ObjectRef = { apiVersion: type.apiVersion, kind: type.kind, ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata?.name ?? '' };
        try {
          if (await deleteObject(deps.kc, type, { namespace: ref.namespace, name: ref.name }, { uid: o.metadata?.uid, signal })) {
            deps.log.info({ instance: `${ik.namespace}/${ik.name}`, deleted: refText(ref) }, 'removed a leftover of a deleted instance');
          }
        } catch (err) {
          if (!isConflict(err)) failed.push(`${refText(ref)}: ${describe(err)}`);
        }
      }
    }
    if (failed.length > 0) throw new Error(`${ik.namespace}/${ik.name} (deleted): could not remove leftovers, will retry: ${failed.join('; ')}`);
  }

  /**
   * Applies the instance's own metadata (the finalizer) to the instance of this
   * uid only; undefined when it is gone or was replaced since the cache saw it,
   * where a plain apply would create it anew.
   */
  async function applyToInstance(live: ChatCLIInstance, meta: ReturnType<typeof instanceMeta>, signal: AbortSignal) {
    try {
      return await applyObject(deps.kc, INSTANCES, meta, { ...apply, uid: live.metadata.uid, signal });
    } catch (err) {
      if (isConflict(err)) return undefined;
      throw err;
    }
  }

  /**
   * Takes our finalizer off the instance of this uid, whoever else lists it: a
   * server-side apply would only drop our claim, and the instance stays
   * Terminating while a GitOps tool's apply (or a `kubectl create`) of a
   * manifest naming the finalizer holds it too. A JSON patch tested against
   * the instance as read (removeFromList); the cache may lag, so when the
   * instance changed since, it is read again and patched once more, and a
   * second change is left to the work queue's retry. False when there was
   * nothing to remove: gone, replaced by a new uid, or no longer listing it.
   */
  async function removeFinalizer(live: ChatCLIInstance, ik: InstanceKey, signal: AbortSignal): Promise<boolean> {
    let current: ServerObject | undefined = live;
    for (let attempt = 1; ; attempt++) {
      if (!current || current.metadata?.uid !== live.metadata.uid) return false;
      try {
        const updated = await removeFromList(deps.kc, INSTANCES, current, FINALIZERS_FIELD, FINALIZER, { signal });
        if (updated) view.record(INSTANCES, updated);
        return updated !== undefined;
      } catch (err) {
        if (isNotFound(err)) return false;
        if (!isChangedSinceRead(err) || attempt >= 2) throw err;
      }
      current = await getObject(deps.kc, INSTANCES, ik, { signal });
    }
  }
}

/** A set whose members are forgotten after ttlMs (checked on add). */
function recentSet(ttlMs: number): { add(v: string): void; has(v: string): boolean } {
  const added = new Map<string, number>();
  return {
    add(v) {
      const now = performance.now();
      for (const [k, at] of added) if (now - at > ttlMs) added.delete(k);
      added.set(v, now);
    },
    has: (v) => added.has(v),
  };
}

/** Whether some desired object lies beyond the garbage collector's reach (no owner reference possible). */
function reachesBeyond(desired: KubeObject[], ik: InstanceKey): boolean {
  return desired.some((o) => o.metadata.namespace !== ik.namespace);
}

/**
 * How often an instance whose only failure is a watcher grant that is not its
 * own looks again: the grant's removal reaches no cache (the object is not
 * labelled), and exponential backoff would wait up to a quarter of an hour.
 */
export const GRANT_RECHECK_MS = 15_000;

const APPLY_PHASES = ['identity', 'rest', 'workload'] as const;
/**
 * Roles before their bindings: the API server checks a new binding against the
 * rules of the role it names, and refuses it while that role does not exist.
 * The ServiceAccount with them: nothing is bound to an account of that name that
 * is not proven this instance's. The Deployment last, so its pods find their
 * ServiceAccount and ConfigMaps.
 */
function phaseOf(o: KubeObject): (typeof APPLY_PHASES)[number] {
  if (o.kind === 'Role' || o.kind === 'ClusterRole' || o.kind === 'ServiceAccount') return 'identity';
  return o.kind === DEPLOYMENTS.kind ? 'workload' : 'rest';
}

/**
 * The defaulted instance and what it becomes, less the watcher grants tenancy
 * refuses; or why it cannot be used (an object stored before a schema change, say).
 */
function plan(live: ChatCLIInstance, tenancy: Tenancy): { instance: DefaultedChatCLIInstance; desired: KubeObject[]; refused: RefusedNamespace[] } | { error: string } {
  // Stored before a rule of the current schema existed (the API server checks
  // only what is written): rendered as is, it would run what the API now refuses.
  const invalid = validateInstance(live);
  if (invalid.length > 0) {
    const each = invalid.map((e) => `${e.path}: ${e.message}`).join('; ');
    return { error: `the stored spec is not valid under the current schema (stored before a rule existed?); edit it to apply it: ${each}` };
  }
  try {
    const instance = withDefaults(live);
    const refused = refusedWatchNamespaces(instance, tenancy.policy, tenancy.watchable);
    const desired = withoutGrantsIn(desiredObjects(instance), refused);
    // The CRD counts characters, the API server bytes: nothing is applied rather
    // than every object but the one it would refuse.
    const tooLarge = oversizeErrors(desired);
    if (tooLarge.length > 0) return { error: `the spec is accepted but what it becomes is too large for the API server, so nothing was applied: ${formatErrors(tooLarge).join('; ')}` };
    return { instance, desired, refused };
  } catch (err) {
    return { error: `the spec cannot be turned into objects: ${describe(err)}` };
  }
}

/** Where the finalizers are: the list removeFinalizer edits. */
const FINALIZERS_FIELD = ['metadata', 'finalizers'] as const;

/** The namespaces the enabled watcher reads, sorted (none when it is off). */
function watchedNamespaces(instance: DefaultedChatCLIInstance): string[] {
  const scope = watcherScope(instance.spec, instance.metadata.namespace);
  return scope.kind === 'none' ? [] : scope.namespaces;
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

/** Why an existing object is not taken over, naming it and what proof it lacks. */
function conflictText(ref: ObjectRef, current: KubeObjectLike, owner: Owner): string {
  const proof = ref.namespace === owner.namespace
    ? `a controller owner reference to instance uid ${owner.uid ?? '?'}`
    : `the annotation ${OWNER_UID_ANNOTATION}=${owner.uid ?? '?'}`;
  const holder = instanceKeyFromLabels(current.metadata?.labels);
  const labelled = holder ? ` (labelled for instance ${holder.namespace}/${holder.name})` : '';
  return `${refText(ref)} already exists and is not this instance's: it lacks ${proof}${labelled}; left untouched`;
}

function refText(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// The watcher's grants as one concern apart from the rest of the instance: they
// are the only objects that give the instance's ServiceAccount anything in a
// namespace that is not its own, so they follow consent at once and fail alone.
//   - Revocation never waits: a grant the spec no longer asks for (target
//     removed, namespace no longer watchable or being deleted, watcher off) goes
//     on every reconcile, whatever else failed. The one grant kept is one whose
//     namespace is still granted under a new name that did not apply yet (the
//     hand-over from the 0.2.0 names): the watcher never loses access it still
//     has a right to.
//   - A grant that cannot be applied costs only its namespace: the server runs,
//     and WatcherReady names the namespace and why.
//   - What a previous instance of the same name left behind (its uid in the
//     proof, no live instance with that uid) is removed as a leftover.
// Pure: the reconciler gives the objects and acts on the answers.
import { provenOwnerUid, refOf, type KubeObject, type ObjectRef, type OwnershipMeta } from './object.ts';
import { isWatcherGrant } from './rbac.ts';

/** A namespace the watcher names and cannot read, and why (one line). */
export interface UnwatchedNamespace {
  namespace: string;
  why: string;
}

/**
 * The owned grants to delete now. `owned` are this instance's objects (proven);
 * `desired` is what the spec asks for, or undefined when it could not be computed
 * (then only grants in namespaces `stillPermitted` refuses go, as far as that
 * can be told without the spec); `pending` are the namespaces whose desired grant
 * did not apply in this reconcile.
 */
export function grantsToRevoke<R extends ObjectRef>(
  owned: readonly R[],
  desired: readonly KubeObject[] | undefined,
  pending: ReadonlySet<string>,
  stillPermitted: (namespace: string) => boolean,
): R[] {
  const grants = owned.filter(isWatcherGrant);
  if (desired === undefined) return grants.filter((g) => g.namespace !== undefined && !stillPermitted(g.namespace));
  const wanted = new Set(desired.filter(isWatcherGrant).map((o) => refKey(refOf(o))));
  return grants.filter((g) => !wanted.has(refKey(g)) && !(g.namespace !== undefined && pending.has(g.namespace)));
}

/**
 * Objects labelled for this instance's name whose proof names another uid that
 * no live instance has: a previous instance of the same name made them (one
 * deleted while the operator was down, its finalizer removed by hand). Labels
 * alone never make an object a leftover.
 */
export function predecessorLeftovers<T extends { metadata?: OwnershipMeta & { uid?: string } }>(
  labelled: readonly T[],
  instance: { namespace: string; uid?: string },
  isLiveInstanceUid: (uid: string) => boolean,
): T[] {
  if (!instance.uid) return [];
  return labelled.filter((o) => {
    const uid = provenOwnerUid(o.metadata, instance.namespace);
    return uid !== undefined && uid !== instance.uid && !isLiveInstanceUid(uid);
  });
}


function refKey(ref: ObjectRef): string {
  return [ref.kind, ref.namespace ?? '', ref.name].join('/');
}

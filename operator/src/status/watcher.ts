// WatcherReady: may the watcher read every namespace it names? A grant that
// cannot be made (a namespace not labelled watchable, a Role of that name that is
// not the instance's, an error) costs only that namespace: the server runs, and
// this condition names each namespace not watched and why.
import type { TargetKindNotInImage } from '../desired/chatcli.ts';
import { WatcherReason } from './condition-types.ts';
import { clipMessage, type Verdict } from './conditions.ts';

export interface WatcherView {
  /** The namespaces the enabled watcher reads (none: it is off). */
  namespaces: readonly string[];
  /** Those it may not read, each with why (one line). */
  unwatched: readonly { namespace: string; why: string }[];
  /** Targets whose kind the image's release cannot read (chatcli.ts targetKindsNotInImage). */
  kindsNotInImage?: readonly TargetKindNotInImage[];
}

/** `watcher` undefined: the reconcile could not tell (the spec could not be turned into objects). */
export function watcherVerdict(watcher: WatcherView | undefined): Verdict {
  if (watcher === undefined) return { status: 'Unknown', reason: WatcherReason.WatcherNotChecked, message: 'the watcher\'s access was not checked: see ReconcileSucceeded' };
  if (watcher.namespaces.length === 0) return { status: 'True', reason: WatcherReason.WatcherDisabled, message: 'the watcher is off: nothing to grant' };
  const gaps = watcher.kindsNotInImage ?? [];
  if (watcher.unwatched.length === 0 && gaps.length > 0) {
    const each = gaps.map((g) => `${g.field}: ${g.kind} needs ChatCLI ${g.since}`).join('; ');
    return {
      status: 'False',
      reason: WatcherReason.TargetKindNotInImage,
      message: clipMessage(`image tag ${gaps[0]!.tag} watches Deployments only, so it reports nothing of ${gaps.length === 1 ? 'this target' : 'these targets'}: ${each}; set image.tag to ${gaps[0]!.since} or later`),
    };
  }
  if (watcher.unwatched.length === 0) {
    return { status: 'True', reason: WatcherReason.AllNamespacesGranted, message: clipMessage(`read access granted in ${list(watcher.namespaces)}`) };
  }
  const each = watcher.unwatched.map((u) => `namespace "${u.namespace}": ${u.why}`).join('; ');
  const watched = watcher.namespaces.filter((n) => !watcher.unwatched.some((u) => u.namespace === n));
  const rest = watched.length > 0 ? `; granted in ${list(watched)}` : '';
  return { status: 'False', reason: WatcherReason.NamespacesNotWatched, message: clipMessage(`${watcher.unwatched.length} of ${watcher.namespaces.length} namespaces not watched: ${each}${rest}`) };
}

function list(namespaces: readonly string[]): string {
  return namespaces.map((n) => `"${n}"`).join(', ');
}

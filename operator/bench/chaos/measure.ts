// What is left after the faults, judged from one snapshot of the cluster (the
// instances, every object labelled as the operator's in any namespace or
// cluster-scoped, and the namespaces):
// - lost: an instance whose objects are not what desiredObjects(withDefaults(instance))
//   renders (less the watcher grants tenancy refuses), compared as the operator
//   compares them (coversDesired: every field it sets), or one it no longer
//   asks for still there;
// - orphans: objects labelled for an instance that no longer exists;
// - stuck: instances still carrying a deletion timestamp;
// - stale: instances whose status.observedGeneration is behind metadata.generation.
// judge() is pure; takeSnapshot() is the only part that reads the cluster.
import type { KubeConfig } from '@kubernetes/client-node';
import type { ChatCLIInstance } from '../../src/api/chatcliinstance.ts';
import { withDefaults } from '../../src/api/defaults.ts';
import { desiredObjects, ownedKind, refOf, type KubeObject } from '../../src/desired/index.ts';
import { instanceKeyFromLabels, LABEL_MANAGED_BY, OPERATOR_NAME } from '../../src/desired/names.ts';
import { isOwnedBy } from '../../src/desired/object.ts';
import { isWatchable, refusedWatchNamespaces, withoutGrantsIn } from '../../src/desired/tenancy.ts';
import { INSTANCES, servedTypes } from '../../src/reconciler/types.ts';
// The owned kinds a plane without the Prometheus Operator's CRDs serves.
const OWNED_TYPES = servedTypes([]);
import { coversDesired } from '../../src/runtime/drift.ts';
import { request, resourcePath, type ResourceType } from '../../src/runtime/kube.ts';
import { Namespaces, Pods, ReplicaSets } from '../../src/runtime/resources.ts';

/** Kinds an instance's labels end up on: what it owns, and what its Deployment makes. */
export const LABELLED_TYPES: readonly ResourceType[] = [...OWNED_TYPES, ReplicaSets, Pods];

export interface Snapshot {
  instances: ChatCLIInstance[];
  /** Objects carrying the operator's managed-by label, every kind of LABELLED_TYPES. */
  objects: KubeObject[];
  namespaceLabels: Map<string, Record<string, string>>;
}

export interface Finding {
  /** "namespace/name" of the instance. */
  instance: string;
  /** "Kind namespace/name" of the object, when one is concerned. */
  object?: string;
  why: string;
}

export interface Judgement {
  lost: Finding[];
  orphans: Finding[];
  stuck: Finding[];
  stale: Finding[];
  /** The workload expected these to exist, and they do not (or the reverse). */
  missingInstances: string[];
  unexpectedInstances: string[];
}

export const clean = (j: Judgement): boolean =>
  j.lost.length + j.orphans.length + j.stuck.length + j.stale.length + j.missingInstances.length + j.unexpectedInstances.length === 0;

/**
 * The cheap half of the judgement, from the instances alone: none stuck, none
 * stale, exactly those the workload left. Polling with it first spares a
 * loaded API server the full snapshot until it can be clean.
 */
export async function instancesSettled(kc: KubeConfig, expected: { live: Set<string>; deleted: Set<string> }): Promise<boolean> {
  const { items } = await request<{ items: ChatCLIInstance[] }>(kc, { method: 'GET', path: resourcePath(INSTANCES) });
  const j = judge({ instances: items, objects: [], namespaceLabels: new Map() }, expected);
  return j.stuck.length + j.stale.length + j.missingInstances.length + j.unexpectedInstances.length === 0;
}

export async function takeSnapshot(kc: KubeConfig, signal?: AbortSignal): Promise<Snapshot> {
  const list = async (type: ResourceType, labelSelector?: string) =>
    (await request<{ items: KubeObject[] }>(kc, { method: 'GET', path: resourcePath(type), query: { labelSelector }, signal })).items
      .map((o) => ({ ...o, apiVersion: type.apiVersion, kind: type.kind }));
  const [instances, namespaces, ...labelled] = await Promise.all([
    list(INSTANCES),
    list(Namespaces),
    ...LABELLED_TYPES.map((t) => list(t, `${LABEL_MANAGED_BY}=${OPERATOR_NAME}`)),
  ]);
  return {
    instances: instances as unknown as ChatCLIInstance[],
    objects: labelled.flat(),
    namespaceLabels: new Map(namespaces!.map((n) => [n.metadata.name, n.metadata.labels ?? {}])),
  };
}

const text = (o: KubeObject) => {
  const ref = refOf(o);
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
};
const identity = (o: { kind: string; metadata: { namespace?: string; name: string } }) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** `expected`: the instances the workload left (undefined: do not check). */
export function judge(snap: Snapshot, expected?: { live: Set<string>; deleted: Set<string> }): Judgement {
  const j: Judgement = { lost: [], orphans: [], stuck: [], stale: [], missingInstances: [], unexpectedInstances: [] };
  const byIdentity = new Map(snap.objects.map((o) => [identity(o), o]));
  const existing = new Set(snap.instances.map((i) => `${i.metadata.namespace}/${i.metadata.name}`));
  const watchable = (ns: string) => snap.namespaceLabels.has(ns) && isWatchable(snap.namespaceLabels.get(ns));

  for (const instance of snap.instances) {
    const key = `${instance.metadata.namespace}/${instance.metadata.name}`;
    if (instance.metadata.deletionTimestamp) {
      j.stuck.push({ instance: key, why: `deletionTimestamp ${instance.metadata.deletionTimestamp}, finalizers ${JSON.stringify(instance.metadata.finalizers ?? [])}` });
      continue;
    }
    const observed = (instance.status as { observedGeneration?: number } | undefined)?.observedGeneration;
    if (observed === undefined || observed < (instance.metadata.generation ?? 0)) {
      j.stale.push({ instance: key, why: `observedGeneration ${observed ?? 'absent'} < generation ${instance.metadata.generation}` });
    }
    j.lost.push(...lostObjects(instance, key, byIdentity, snap.objects, watchable));
  }

  for (const o of snap.objects) {
    const owner = instanceKeyFromLabels(o.metadata.labels);
    if (owner && !existing.has(`${owner.namespace}/${owner.name}`)) {
      j.orphans.push({ instance: `${owner.namespace}/${owner.name}`, object: text(o), why: 'labelled for an instance that no longer exists' });
    }
  }
  if (expected) {
    j.missingInstances = [...expected.live].filter((k) => !existing.has(k));
    j.unexpectedInstances = [...expected.deleted].filter((k) => existing.has(k) && !j.stuck.some((s) => s.instance === k));
  }
  return j;
}

function lostObjects(
  instance: ChatCLIInstance,
  key: string,
  byIdentity: Map<string, KubeObject>,
  all: KubeObject[],
  watchable: (ns: string) => boolean,
): Finding[] {
  const findings: Finding[] = [];
  const owner = { namespace: instance.metadata.namespace, uid: instance.metadata.uid };
  let desired: KubeObject[];
  try {
    const defaulted = withDefaults(instance);
    desired = withoutGrantsIn(desiredObjects(defaulted), refusedWatchNamespaces(defaulted, 'label', watchable));
  } catch (err) {
    return [{ instance: key, why: `cannot be rendered: ${err instanceof Error ? err.message : String(err)}` }];
  }
  const wanted = new Set(desired.map(identity));
  for (const d of desired) {
    const live = byIdentity.get(identity(d));
    if (!live) findings.push({ instance: key, object: text(d), why: 'missing' });
    else if (!isOwnedBy(live.metadata, owner)) findings.push({ instance: key, object: text(d), why: 'exists without proof it is this instance\'s' });
    else if (!coversDesired(d, live)) findings.push({ instance: key, object: text(d), why: `differs at ${firstDifference(d, live)}` });
  }
  for (const o of all) {
    const labelled = instanceKeyFromLabels(o.metadata.labels);
    if (!labelled || `${labelled.namespace}/${labelled.name}` !== key || wanted.has(identity(o))) continue;
    if (ownedKind(o.apiVersion, o.kind)?.prunable && isOwnedBy(o.metadata, owner)) {
      findings.push({ instance: key, object: text(o), why: 'no longer desired, not pruned' });
    }
  }
  return findings;
}

/** The first path where `live` does not cover `desired` (for the report). */
export function firstDifference(desired: unknown, live: unknown, path = ''): string {
  if (desired !== null && typeof desired === 'object') {
    for (const [k, v] of Object.entries(desired)) {
      const sub = (live as Record<string, unknown> | undefined)?.[k];
      if (!coversDesired(v, sub)) return firstDifference(v, sub, `${path}.${k}`);
    }
  }
  return `${path || '.'}: wanted ${JSON.stringify(desired)?.slice(0, 120)}, found ${JSON.stringify(live)?.slice(0, 120)}`;
}

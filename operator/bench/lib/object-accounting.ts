// Which of the objects our operator would create another operator created, and
// where. Ours is the reference: an object is "found" with the kind, namespace
// and name ours gives it, "misplaced" when the same kind and name exist only in
// another namespace (upstream's Go operator puts a single-namespace watcher
// Role and RoleBinding in the instance's namespace instead of the target's, and
// grants a multi-namespace watcher through one ClusterRole and
// ClusterRoleBinding `<namespace>-<name>-watcher` where ours puts a Role pair
// in each target namespace: those count as misplaced too, "as cluster scope"),
// and "missing" otherwise. Contents are not compared: this is accounting, not a
// conformance test.
import type { KubeObject } from '../../src/runtime/kube.ts';

export interface ObjectRef {
  kind: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  name: string;
}

export interface ObjectAccount {
  expected: number;
  found: number;
  misplaced: number;
  missing: number;
  /** Per kind, only kinds with any. */
  misplacedByKind: Record<string, number>;
  missingByKind: Record<string, number>;
  /** A few of each, for a reader: "Role production/x found in bench-1". */
  misplacedExamples: string[];
  missingExamples: string[];
}

const EXAMPLES = 3;

/** A namespaced kind whose grant another operator may make at cluster scope instead. */
const CLUSTER_FORM: Record<string, string> = { Role: 'ClusterRole', RoleBinding: 'ClusterRoleBinding' };

export const refOf = (o: KubeObject): ObjectRef => ({ kind: o.kind ?? '', namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' });

const where = (r: ObjectRef): string => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

/** Sorts every expected object into found, misplaced or missing against what the cluster holds. */
export function accountObjects(expected: readonly ObjectRef[], present: Iterable<ObjectRef>): ObjectAccount {
  const exact = new Set<string>();
  // kind/name -> the namespaces it exists in.
  const byName = new Map<string, string[]>();
  // ClusterRole/ClusterRoleBinding by every "-"-separated suffix of its name:
  // `ns-x-watcher` stands for Roles `x-watcher` (and `watcher`, harmless: a
  // Role pair's name always has the instance name before it).
  const clusterBySuffix = new Map<string, string>();
  for (const p of present) {
    if (p.namespace === '' && Object.values(CLUSTER_FORM).includes(p.kind)) {
      for (let i = p.name.indexOf('-'); i >= 0; i = p.name.indexOf('-', i + 1)) clusterBySuffix.set(`${p.kind}/${p.name.slice(i + 1)}`, p.name);
    }
    exact.add(`${p.kind}/${p.namespace}/${p.name}`);
    const key = `${p.kind}/${p.name}`;
    const namespaces = byName.get(key);
    if (namespaces) namespaces.push(p.namespace);
    else byName.set(key, [p.namespace]);
  }
  const account: ObjectAccount = {
    expected: expected.length, found: 0, misplaced: 0, missing: 0,
    misplacedByKind: {}, missingByKind: {}, misplacedExamples: [], missingExamples: [],
  };
  for (const e of expected) {
    if (exact.has(`${e.kind}/${e.namespace}/${e.name}`)) {
      account.found++;
      continue;
    }
    // Our grant outside the instance's namespace is `<instance namespace>.<name>-watcher`;
    // another operator's of the same instance is `<name>-watcher`.
    const bare = CLUSTER_FORM[e.kind] && e.name.includes('.') ? e.name.slice(e.name.indexOf('.') + 1) : e.name;
    const elsewhere = byName.get(`${e.kind}/${e.name}`) ?? byName.get(`${e.kind}/${bare}`);
    const clusterKind = CLUSTER_FORM[e.kind];
    const asCluster = clusterKind && clusterBySuffix.get(`${clusterKind}/${bare}`);
    if (elsewhere || asCluster) {
      account.misplaced++;
      account.misplacedByKind[e.kind] = (account.misplacedByKind[e.kind] ?? 0) + 1;
      if (account.misplacedExamples.length < EXAMPLES) {
        account.misplacedExamples.push(elsewhere
          ? `${where(e)} found in ${elsewhere.map((ns) => ns || '(cluster scope)').join(', ')}`
          : `${where(e)} granted as ${clusterKind} ${asCluster}`);
      }
    } else {
      account.missing++;
      account.missingByKind[e.kind] = (account.missingByKind[e.kind] ?? 0) + 1;
      if (account.missingExamples.length < EXAMPLES) account.missingExamples.push(where(e));
    }
  }
  return account;
}

/** "Role 250, RoleBinding 250". */
export const byKindText = (counts: Record<string, number>): string =>
  Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)).map(([kind, n]) => `${kind} ${n}`).join(', ');

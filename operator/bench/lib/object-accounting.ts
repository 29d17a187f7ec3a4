// Which of the objects our operator would create another operator created, and
// where. Ours is the reference: an object is "found" with the kind, namespace
// and name ours gives it, "misplaced" when the same kind and name exist only in
// another namespace (upstream's Go operator puts a single-namespace watcher
// Role and RoleBinding in the instance's namespace instead of the target's),
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

export const refOf = (o: KubeObject): ObjectRef => ({ kind: o.kind ?? '', namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' });

const where = (r: ObjectRef): string => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

/** Sorts every expected object into found, misplaced or missing against what the cluster holds. */
export function accountObjects(expected: readonly ObjectRef[], present: Iterable<ObjectRef>): ObjectAccount {
  const exact = new Set<string>();
  // kind/name -> the namespaces it exists in.
  const byName = new Map<string, string[]>();
  for (const p of present) {
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
    const elsewhere = byName.get(`${e.kind}/${e.name}`);
    if (elsewhere) {
      account.misplaced++;
      account.misplacedByKind[e.kind] = (account.misplacedByKind[e.kind] ?? 0) + 1;
      if (account.misplacedExamples.length < EXAMPLES) account.misplacedExamples.push(`${where(e)} found in ${elsewhere.map((ns) => ns || '(cluster scope)').join(', ')}`);
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

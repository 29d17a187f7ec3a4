// The scale scenario's accounting (bench/lib/object-accounting.ts): every
// object ours would create is found where ours puts it, misplaced (same kind
// and name, another namespace: upstream's watcher Role in the instance's
// namespace), or missing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountObjects, byKindText, refOf, type ObjectRef } from '../../../bench/lib/object-accounting.ts';
import { instances, loadSamples, objectsOf } from '../../../bench/lib/workload.ts';

const ref = (kind: string, namespace: string, name: string): ObjectRef => ({ kind, namespace, name });

describe('bench object accounting', () => {
  it('sorts the objects of real samples into found, misplaced and missing', () => {
    const single = loadSamples((s) => s.name === 'single_target');
    const expected = objectsOf(instances(2, 'bench', ['home-0', 'home-1'], single)).map(refOf);
    const role = expected.find((r) => r.kind === 'Role' && r.name === 'home-0.bench-single-target-0-watcher')!;
    assert.notEqual(role.namespace, 'home-0', 'ours puts the watcher Role in the target namespace');
    // The peer's is named <name>-watcher, in the instance's namespace.
    const peers = { ...role, namespace: 'home-0', name: 'bench-single-target-0-watcher' };
    // A peer: everything, except one watcher Role in the instance's namespace and one ConfigMap never made.
    const gone = expected.find((r) => r.kind === 'ConfigMap' && r.namespace === 'home-1')!;
    const present = expected.filter((r) => r !== role && r !== gone).concat([peers, ref('ConfigMap', 'home-1', 'unrelated')]);
    const a = accountObjects(expected, present);
    assert.deepEqual([a.expected, a.found, a.misplaced, a.missing], [expected.length, expected.length - 2, 1, 1]);
    assert.deepEqual(a.misplacedByKind, { Role: 1 });
    assert.deepEqual(a.missingByKind, { ConfigMap: 1 });
    assert.deepEqual(a.misplacedExamples, [`Role ${role.namespace}/home-0.bench-single-target-0-watcher found in home-0`]);
    assert.deepEqual(a.missingExamples, [`ConfigMap home-1/${gone.name}`]);
  });

  it('the right place wins over a copy elsewhere; cluster-scoped names are found or missing', () => {
    const expected = [ref('Role', 'target', 'x-watcher'), ref('ClusterRole', '', 'ns-x-watcher'), ref('ClusterRoleBinding', '', 'ns-x-watcher')];
    const a = accountObjects(expected, [ref('Role', 'target', 'x-watcher'), ref('Role', 'home', 'x-watcher'), ref('ClusterRole', '', 'ns-x-watcher')]);
    assert.deepEqual([a.found, a.misplaced, a.missing], [2, 0, 1]);
    assert.deepEqual(a.missingExamples, ['ClusterRoleBinding ns-x-watcher']);
  });

  it("a multi-namespace watcher granted through one ClusterRole pair (upstream's form) counts the Role pairs as misplaced", () => {
    const full = loadSamples((s) => s.name === 'full');
    const expected = objectsOf(instances(1, 'bench', ['home-0'], full)).map(refOf);
    const pairs = expected.filter((r) => r.kind === 'Role' || r.kind === 'RoleBinding');
    assert.ok(pairs.length >= 4, 'the full sample watches several namespaces');
    const present = expected.filter((r) => !pairs.includes(r))
      .concat([ref('ClusterRole', '', 'home-0-bench-full-0-watcher'), ref('ClusterRoleBinding', '', 'home-0-bench-full-0-watcher')]);
    const a = accountObjects(expected, present);
    assert.deepEqual([a.found, a.misplaced, a.missing], [expected.length - pairs.length, pairs.length, 0]);
    assert.match(a.misplacedExamples[0]!, /^Role \S+\/home-0\.bench-full-0-watcher granted as ClusterRole home-0-bench-full-0-watcher$/);
    // Only the ClusterRole stands in for Roles, not for RoleBindings.
    const rolesOnly = accountObjects(expected, expected.filter((r) => !pairs.includes(r)).concat([ref('ClusterRole', '', 'home-0-bench-full-0-watcher')]));
    assert.deepEqual(rolesOnly.missingByKind, { RoleBinding: pairs.length / 2 });
  });

  it('keeps a few examples, counts all, and names kinds in order', () => {
    const expected = Array.from({ length: 10 }, (_, i) => ref(i % 2 ? 'RoleBinding' : 'Role', 'target', `r${i}`));
    const a = accountObjects(expected, expected.map((r) => ({ ...r, namespace: 'home' })));
    assert.equal(a.misplaced, 10);
    assert.equal(a.misplacedExamples.length, 3);
    assert.equal(byKindText(a.misplacedByKind), 'Role 5, RoleBinding 5');
  });
});

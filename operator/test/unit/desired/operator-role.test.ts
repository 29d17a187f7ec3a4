// The operator's own ClusterRole (config/rbac/role.yaml) must hold every
// permission it grants to watcher Roles, since the API server refuses to let
// anyone grant what they do not hold, and must be able to manage (and prune)
// every kind an instance becomes, but never delete a claim.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { V1ClusterRole, V1PolicyRule } from '@kubernetes/client-node';
import { OWNED_KINDS } from '../../../src/desired/index.ts';
import { ALL_WATCHER_RULES } from '../../../src/desired/rbac.ts';
import { groupOf } from '../../../src/desired/kinds.ts';

const roleFile = new URL('../../../config/rbac/role.yaml', import.meta.url);
const docs = parseAllDocuments(readFileSync(roleFile, 'utf8')).map((d) => d.toJS() as { kind?: string; metadata?: { name?: string } });
const clusterRole = docs.find((d) => d.kind === 'ClusterRole' && d.metadata?.name === 'chatcli-operator') as V1ClusterRole | undefined;

function allows(rules: V1PolicyRule[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups ?? []).some((g) => g === group || g === '*') &&
      r.resources?.some((x) => x === resource || x === '*') &&
      r.verbs.some((v) => v === verb || v === '*'),
  );
}

describe('the operator ClusterRole in config/rbac/role.yaml', () => {
  it('exists', () => assert.ok(clusterRole));

  it('holds every permission of the watcher rules it grants, for every kind of target', () => {
    const rules = clusterRole?.rules ?? [];
    for (const rule of ALL_WATCHER_RULES) {
      for (const group of rule.apiGroups ?? []) {
        for (const resource of rule.resources ?? []) {
          for (const verb of rule.verbs) assert.ok(allows(rules, group, resource, verb), `${verb} ${group}/${resource}`);
        }
      }
    }
  });

  it('holds no read it neither needs nor grants (the watcher grants are exactly ChatCLI\'s calls)', () => {
    const rules = clusterRole?.rules ?? [];
    const verbs = (group: string, resource: string) =>
      ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'].filter((v) => allows(rules, group, resource, v));
    // Its own pods (status) and the watcher's pods list; pods/log and pod metrics only as granted;
    // HPAs are also an owned kind (spec.autoscaling), never deleted in bulk.
    assert.deepEqual(verbs('', 'pods'), ['list', 'watch']);
    assert.deepEqual(verbs('', 'pods/log'), ['get']);
    assert.deepEqual(verbs('', 'events'), ['list', 'create', 'update', 'patch']);
    assert.deepEqual(verbs('autoscaling', 'horizontalpodautoscalers'), ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']);
    assert.deepEqual(verbs('metrics.k8s.io', 'pods'), ['list']);
    // The other kinds a target may name: a get, as granted.
    for (const [group, resource] of [['apps', 'statefulsets'], ['apps', 'daemonsets'], ['batch', 'jobs'], ['batch', 'cronjobs']]) {
      assert.deepEqual(verbs(group!, resource!), ['get'], `${group}/${resource}`);
    }
    for (const [group, resource] of [['', 'endpoints'], ['apps', 'replicasets'], ['networking.k8s.io', 'ingresses'], ['', 'secrets']]) {
      assert.deepEqual(verbs(group!, resource!), [], `${group}/${resource}`);
    }
  });

  it('lists and watches Namespaces (the watchable label) and can do nothing else with them', () => {
    const rules = clusterRole?.rules ?? [];
    const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'].filter((v) => allows(rules, '', 'namespaces', v));
    assert.deepEqual(verbs, ['list', 'watch']);
  });

  it('can apply every owned kind, delete the prunable ones, and never delete a claim', () => {
    const rules = clusterRole?.rules ?? [];
    for (const k of OWNED_KINDS) {
      const group = groupOf(k.apiVersion);
      for (const verb of ['get', 'list', 'watch', 'create', 'patch']) assert.ok(allows(rules, group, k.plural, verb), `${verb} ${k.plural}`);
      assert.equal(allows(rules, group, k.plural, 'delete'), k.prunable, `delete ${k.plural}`);
    }
  });
});

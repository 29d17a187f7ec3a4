// The admission policies in config/policy/watcher-targets.yaml (rendered from
// the chart's admission-policy.yaml, which holds the rules once): together they
// must check, in every namespace slot up to their cap and for every kind of
// target there, exactly what the watcher's Role grants (watcherRules), so that a
// change to the Role fails here
// until the policies follow; and each must stay within the API server's CEL cost
// limits. (What they admit is proven on a real API server in
// test/integration/tenancy.test.ts.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { GROUP, PLURAL } from '../../../src/api/chatcliinstance.ts';
import { TARGET_KINDS, type TargetKind } from '../../../src/desired/chatcli.ts';
import { watcherRules } from '../../../src/desired/rbac.ts';

interface Validation { expression: string; messageExpression: string; reason: string }
interface Doc {
  kind: string;
  metadata: { name: string };
  spec: {
    failurePolicy: string;
    policyName?: string;
    validationActions?: string[];
    matchConstraints: { resourceRules: { apiGroups: string[]; operations: string[]; resources: string[] }[] };
    validations: Validation[];
  };
}

// The API server's limits (k8s.io/apiserver/pkg/cel/library/cost.go, celconfig).
const CHECK_COST = 350_000;
const PER_EXPRESSION = 1_000_000;
const PER_POLICY = 10_000_000;

const file = new URL('../../../config/policy/watcher-targets.yaml', import.meta.url);
const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Doc);
const policies = docs.filter((d) => d.kind === 'ValidatingAdmissionPolicy');
const bindings = docs.filter((d) => d.kind === 'ValidatingAdmissionPolicyBinding');

/** One authorization check in a validation: `<verb> <group>/<resource>` on namespace slot `slot`, made for targets of `kinds` there. */
interface Check { slot: number; permission: string; shown: string; kinds: readonly string[] }
const KIND_GUARD = /\|\| !variables\.kinds\[(\d+)\]\.exists\(k, k in \[([^\]]*)\]\)/;
const CHECK = /authorizer\.group\('([^']*)'\)\.resource\('([^']+)'\)(?:\.subresource\('([^']+)'\))?\.namespace\(variables\.namespaces\[(\d+)\]\)\.check\('([^']+)'\)\.allowed\(\)/g;
function checksOf(v: Validation): Check[] {
  const guard = KIND_GUARD.exec(v.expression);
  return [...v.expression.matchAll(CHECK)].map(([, group, resource, sub, slot, verb]) => {
    const full = sub ? `${resource}/${sub}` : resource!;
    if (guard) assert.equal(guard[1], slot, `the kind guard and the check name the same namespace slot: ${v.expression}`);
    const kinds = guard ? guard[2]!.split(',').map((k) => k.trim().replace(/^'|'$/g, '')) : TARGET_KINDS;
    return { slot: Number(slot), permission: `${verb} ${group}/${full}`, shown: `${verb} ${group ? `${full}.${group}` : full}`, kinds };
  });
}
/** Every permission a watcher's Role grants for targets of this kind, as `<verb> <group>/<resource>`. */
const granted = (kind: TargetKind) =>
  watcherRules([kind]).flatMap((r) => (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${v} ${g}/${res}`)))).sort();

const capOf = (p: Doc) => p.spec.validations.filter((v) => v.reason === 'Invalid');
const cap = Number(/^size\(variables\.namespaces\) <= (\d+)$/.exec(capOf(policies[0]!)[0]?.expression ?? '')?.[1]);

describe('the admission policies in config/policy/watcher-targets.yaml', () => {
  it('each guards creates and updates of ChatCLIInstances, failing closed, with a binding that denies', () => {
    assert.ok(policies.length > 0);
    assert.equal(policies[0]!.metadata.name, 'chatcli-watcher-targets', 'the first keeps the name earlier releases installed');
    policies.forEach((p, i) => {
      if (i > 0) assert.equal(p.metadata.name, `chatcli-watcher-targets-${i + 1}`);
      assert.deepEqual(p.spec.matchConstraints.resourceRules, [
        { apiGroups: [GROUP], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: [PLURAL] },
      ]);
      assert.equal(p.spec.failurePolicy, 'Fail');
    });
    assert.deepEqual(bindings.map((b) => b.spec.policyName), policies.map((p) => p.metadata.name));
    assert.deepEqual(bindings.map((b) => b.metadata.name), policies.map((p) => p.metadata.name));
    for (const b of bindings) assert.deepEqual(b.spec.validationActions, ['Deny']);
  });

  it('the first refuses more distinct namespaces than the policies check, saying so; the others do not repeat it', () => {
    assert.equal(cap, 12);
    assert.equal(capOf(policies[0]!).length, 1);
    assert.match(capOf(policies[0]!)[0]!.messageExpression, new RegExp(`at most ${cap} per instance`));
    for (const p of policies.slice(1)) assert.deepEqual(capOf(p), []);
  });

  it('checks, for each kind of target, exactly what the watcher Role grants for it (watcherRules) in every namespace slot up to the cap, each slot in one policy', () => {
    const slots = new Map<number, { policy: string; checks: Check[] }>();
    for (const p of policies) {
      for (const v of p.spec.validations.filter((x) => x.reason === 'Forbidden')) {
        for (const c of checksOf(v)) {
          const seen = slots.get(c.slot) ?? { policy: p.metadata.name, checks: [] };
          assert.equal(seen.policy, p.metadata.name, `namespace slot ${c.slot} is checked by one policy`);
          seen.checks.push(c);
          slots.set(c.slot, seen);
        }
      }
    }
    assert.deepEqual([...slots.keys()].sort((a, b) => a - b), Array.from({ length: cap }, (_, i) => i));
    for (const [slot, { checks }] of slots) {
      for (const kind of TARGET_KINDS) {
        const made = checks.filter((c) => c.kinds.includes(kind)).map((c) => c.permission).sort();
        assert.deepEqual(made, granted(kind), `namespace slot ${slot}, ${kind} targets`);
      }
    }
    assert.deepEqual(granted('Deployment'), ['get /pods/log', 'get apps/deployments', 'list /events', 'list /pods', 'list autoscaling/horizontalpodautoscalers', 'list metrics.k8s.io/pods']);
  });

  it('makes one check per validation, skipped without that namespace, and its message names the field, the namespace and the permission', () => {
    for (const p of policies) {
      for (const v of p.spec.validations.filter((x) => x.reason === 'Forbidden')) {
        const checks = checksOf(v);
        assert.equal(checks.length, 1, v.expression);
        assert.equal(v.expression.match(/check\(/g)?.length, 1, v.expression);
        const [{ slot, shown }] = checks as [Check];
        assert.match(v.expression, new RegExp(`^size\\(variables\\.namespaces\\) <= ${slot} \\|\\| `), `slot ${slot} skips when there is no namespace ${slot}`);
        assert.ok(v.messageExpression.startsWith(`variables.fields[${slot}] + ': you may not ${shown} in namespace "' + variables.namespaces[${slot}]`), v.messageExpression);
      }
    }
  });

  it('stays within the API server\'s CEL cost: at most 1000000 per expression, 10000000 per policy (with room for the variables)', () => {
    for (const p of policies) {
      const perExpression = p.spec.validations.map((v) => (v.expression.match(/check\(/g)?.length ?? 0) * CHECK_COST);
      assert.ok(Math.max(...perExpression) < PER_EXPRESSION, p.metadata.name);
      const total = perExpression.reduce((a, b) => a + b, 0);
      assert.ok(total <= PER_POLICY - 500_000, `${p.metadata.name}: ${total}`);
    }
  });
});

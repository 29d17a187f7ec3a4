// The admission policy config/policy/watcher-targets.yaml is written by hand:
// its one-namespace-per-validation slots and its cap must agree, and it must
// match the API it guards. (What it admits is proven on a real API server in
// test/integration/tenancy.test.ts.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { GROUP, PLURAL } from '../../../src/api/chatcliinstance.ts';

interface Validation { expression: string; messageExpression: string; reason: string }
interface Policy {
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

const file = new URL('../../../config/policy/watcher-targets.yaml', import.meta.url);
const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Policy);
const policy = docs.find((d) => d.kind === 'ValidatingAdmissionPolicy')!;
const binding = docs.find((d) => d.kind === 'ValidatingAdmissionPolicyBinding')!;

describe('the admission policy in config/policy/watcher-targets.yaml', () => {
  it('guards creates and updates of ChatCLIInstances, failing closed, and its binding denies', () => {
    assert.deepEqual(policy.spec.matchConstraints.resourceRules, [
      { apiGroups: [GROUP], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: [PLURAL] },
    ]);
    assert.equal(policy.spec.failurePolicy, 'Fail');
    assert.equal(binding.spec.policyName, policy.metadata.name);
    assert.deepEqual(binding.spec.validationActions, ['Deny']);
  });

  it('has one slot per namespace up to its cap, each making the two checks (list pods, get pods/log) on its own namespace', () => {
    const [cap, ...slots] = policy.spec.validations;
    const limit = Number(/^size\(variables\.namespaces\) <= (\d+)$/.exec(cap!.expression)?.[1]);
    assert.ok(limit > 0, cap!.expression);
    assert.match(cap!.messageExpression, new RegExp(`at most ${limit} per instance`));
    assert.equal(slots.length, limit);
    slots.forEach((v, i) => {
      const ns = `variables.namespaces[${i}]`;
      assert.match(v.expression, new RegExp(`^size\\(variables\\.namespaces\\) <= ${i} \\|\\| `), `slot ${i} skips when there is no namespace ${i}`);
      assert.ok(v.expression.includes(`authorizer.group('').resource('pods').namespace(${ns}).check('list').allowed()`), `slot ${i}: list pods`);
      assert.ok(v.expression.includes(`authorizer.group('').resource('pods').subresource('log').namespace(${ns}).check('get').allowed()`), `slot ${i}: get pods/log`);
      assert.equal(v.expression.match(/check\(/g)?.length, 2, 'two checks: the API server allows no more per expression');
      assert.ok(v.messageExpression.startsWith(`variables.fields[${i}] + `), `slot ${i} names its field`);
      assert.equal(v.reason, 'Forbidden');
    });
  });
});

// Tenancy on a real kube-apiserver: nobody gains, through a ChatCLIInstance,
// read access to a namespace they do not have. Two guards, each a scenario here:
// the admission policy config/policy/watcher-targets.yaml (the API server's own
// authorizer, asked about the requesting user; users are impersonated), and the
// operator's label guard (--watch-namespace-policy), which works without it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WATCHER_RULES } from '../../src/desired/index.ts';
import { usePlane } from '../support/cluster.ts';
import { eventually, getJson, installOperator, SAMPLES_DIR, startOperator, type RunningOperator } from '../support/operator.ts';

const plane = usePlane('api');
const POLICY_FILE = join(SAMPLES_DIR, '..', 'policy', 'watcher-targets.yaml');
const WATCHABLE = 'chatcli.diillson.com/watchable=true';

interface Condition { type: string; status: string; reason: string; message: string }
interface Instance {
  metadata: { generation?: number; finalizers?: string[] };
  status?: { observedGeneration?: number; conditions?: Condition[] };
}

const k = (args: string[], input?: string) => plane().kubectl(args, input);
const exists = async (args: string[]) => (await getJson(plane(), args)) !== undefined;
const instanceJson = (ns: string, name: string, targets: { deployment: string; namespace: string; kind?: string }[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'chatcli.diillson.com/v1alpha1',
    kind: 'ChatCLIInstance',
    metadata: { name, namespace: ns },
    spec: { provider: 'CLAUDEAI', watcher: { enabled: true, targets }, ...extra },
  });
/** Creates (or, with dryRun, only admits) an instance as `user`; resolves to the API server's refusal, or undefined when admitted. */
async function createAs(user: string | undefined, json: string, dryRun = false): Promise<string | undefined> {
  const args = ['create', '-f', '-', ...(user ? [`--as=${user}`] : []), ...(dryRun ? ['--dry-run=server'] : [])];
  return await k(args, json).then(() => undefined, (err: Error) => err.message);
}
async function namespaces(...names: string[]): Promise<void> {
  for (const n of names) await k(['create', 'namespace', n]);
}
/** A Role and RoleBinding in `ns` giving `user` the verbs on the resources. */
async function grant(user: string, ns: string, name: string, rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[]): Promise<void> {
  await k(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: ns }, rules },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name, namespace: ns },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      },
    ],
  }));
}
const INSTANCES_RULE = { apiGroups: ['chatcli.diillson.com'], resources: ['chatcliinstances'], verbs: ['get', 'list', 'create', 'update', 'patch'] };
const POD_READ_RULES = [
  { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
];
/** Each permission the watcher's Role grants, as a rule of its own, and as the policy's message shows it (`get deployments.apps`). */
const WATCHER_PERMISSIONS = WATCHER_RULES.flatMap((r) => (r.apiGroups ?? []).flatMap((group) => (r.resources ?? []).flatMap((resource) => r.verbs.map((verb) => ({
  rule: { apiGroups: [group], resources: [resource], verbs: [verb] },
  shown: `${verb} ${group ? `${resource}.${group}` : resource}`,
})))));
const ALL_WATCHER_RULES = WATCHER_PERMISSIONS.map((p) => p.rule);
/** "you may not <one of these permissions> in namespace <ns>", as the policy's message says it. */
const lacking = (ns: string, permissions = WATCHER_PERMISSIONS) =>
  new RegExp(`you may not (${permissions.map((p) => p.shown.replaceAll('.', '\\.')).join('|')}) in namespace "${ns}" yourself`);
/** The twelve namespaces (the policies' cap) that carol may read as the watcher would. */
const SPREAD = Array.from({ length: 12 }, (_, i) => `spread-${i}`);

describe('tenancy: the admission policy chatcli-watcher-targets', () => {
  before(async () => {
    await installOperator(plane());
    await k(['apply', '--server-side', '-f', POLICY_FILE]);
    await namespaces('tenant', 'victim', 'victim-legacy', 'readable', ...SPREAD);
    // alice may create instances in tenant and read there what the watcher would; nothing in victim.
    await grant('alice', 'tenant', 'instances', [INSTANCES_RULE, ...ALL_WATCHER_RULES]);
    // carol may create instances in tenant and do everything the watcher would in the twelve spread-*.
    await grant('carol', 'tenant', 'carol-instances', [INSTANCES_RULE]);
    for (const ns of SPREAD) await grant('carol', ns, 'watcher-reads', ALL_WATCHER_RULES);
    // Each policy takes effect once the API server has loaded it (about a second):
    // carol is refused victim in the first namespace slot each one checks.
    const policies = await getJson<{ items: { metadata: { name: string } }[] }>(plane(), ['validatingadmissionpolicy']);
    const ours = policies?.items.filter((p) => p.metadata.name.startsWith('chatcli-watcher-targets')) ?? [];
    // Two namespaces a policy: a namespace with targets of every kind takes 10 checks (admission-policy.yaml).
    assert.equal(ours.length, 6);
    for (const firstSlot of [0, 2, 4, 6, 8, 10]) {
      const targets = [...SPREAD.slice(0, firstSlot), 'victim'].map((namespace) => ({ deployment: 'x', namespace }));
      await eventually(`the policy checking namespace ${firstSlot} in force`, async () =>
        lacking('victim').test((await createAs('carol', instanceJson('tenant', 'probe', targets), true)) ?? ''));
    }
  }, { timeout: 120_000 });

  it('a user who may create instances only in tenant is refused a target in victim, with a message naming the field, the namespace and a permission they lack', async () => {
    const refusal = await createAs('alice', instanceJson('tenant', 'spy', [
      { deployment: 'app', namespace: 'tenant' },
      { deployment: 'db', namespace: 'victim' },
    ]));
    assert.ok(refusal, 'refused');
    assert.match(refusal, /chatcli-watcher-targets/);
    assert.match(refusal, /spec\.watcher\.targets\[1\]\.namespace: you may not \S+ \S+ in namespace "victim" yourself/);
    assert.match(refusal, lacking('victim'));
    assert.equal(await exists(['chatcliinstance', 'spy', '-n', 'tenant']), false);
  });

  it('an admin is not refused the same instance', async () => {
    const refusal = await createAs(undefined, instanceJson('tenant', 'admin-made', [
      { deployment: 'app', namespace: 'tenant' },
      { deployment: 'db', namespace: 'victim' },
    ]));
    assert.equal(refusal, undefined);
    assert.ok(await exists(['chatcliinstance', 'admin-made', '-n', 'tenant']));
  });

  it('a user who may only list pods and get pods/log in victim is refused, the message naming something else the watcher would get there', async () => {
    await grant('dave', 'tenant', 'dave-instances', [INSTANCES_RULE]);
    await grant('dave', 'victim', 'pod-reader', POD_READ_RULES);
    const refusal = await createAs('dave', instanceJson('tenant', 'pods-only', [{ deployment: 'db', namespace: 'victim' }]));
    const others = WATCHER_PERMISSIONS.filter((p) => !['list pods', 'get pods/log'].includes(p.shown));
    assert.match(refusal ?? '', /spec\.watcher\.targets\[0\]\.namespace: /);
    assert.match(refusal ?? '', lacking('victim', others));
    assert.equal(await exists(['chatcliinstance', 'pods-only', '-n', 'tenant']), false);
  });

  it('a user who may do in a namespace everything the watcher\'s Role grants may watch it', async () => {
    await grant('alice', 'readable', 'watcher-reads', ALL_WATCHER_RULES);
    const refusal = await createAs('alice', instanceJson('tenant', 'allowed', [{ deployment: 'app', namespace: 'readable' }]));
    assert.equal(refusal, undefined);
  });

  it('each permission of the watcher\'s Role is checked: a user lacking only that one is refused, the message naming it', async () => {
    for (const [i, missing] of WATCHER_PERMISSIONS.entries()) {
      const ns = `lacks-${i}`;
      await namespaces(ns);
      await grant('alice', ns, 'all-but-one', ALL_WATCHER_RULES.filter((r) => r !== missing.rule));
      const refusal = await createAs('alice', instanceJson('tenant', 'almost', [{ deployment: 'app', namespace: ns }]), true);
      assert.match(refusal ?? '', lacking(ns, [missing]), missing.shown);
    }
  });

  it('a target kind is checked for what its Role grants there: a user who may do what a Deployment target needs is refused a StatefulSet, a Job needs no HPA reads', async () => {
    await namespaces('kinds');
    await grant('alice', 'kinds', 'deployment-reads', ALL_WATCHER_RULES);
    const refusal = await createAs('alice', instanceJson('tenant', 'stateful', [{ deployment: 'db', namespace: 'kinds', kind: 'StatefulSet' }]), true);
    assert.match(refusal ?? '', /spec\.watcher\.targets\[0\]\.namespace: you may not get statefulsets\.apps in namespace "kinds" yourself/);
    // What a Job target needs, without HPAs or Deployments: admitted.
    await namespaces('jobs');
    await grant('alice', 'jobs', 'job-reads', [
      ...ALL_WATCHER_RULES.filter((r) => !['deployments', 'horizontalpodautoscalers'].includes(r.resources[0]!)),
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get'] },
    ]);
    assert.equal(await createAs('alice', instanceJson('tenant', 'job-watcher', [{ deployment: 'migrate', namespace: 'jobs', kind: 'Job' }]), true), undefined);
  });

  it('the legacy spec.watcher.namespace is checked and named', async () => {
    const json = JSON.stringify({
      apiVersion: 'chatcli.diillson.com/v1alpha1',
      kind: 'ChatCLIInstance',
      metadata: { name: 'legacy', namespace: 'tenant' },
      spec: { provider: 'CLAUDEAI', watcher: { enabled: true, deployment: 'db', namespace: 'victim-legacy' } },
    });
    assert.match((await createAs('alice', json)) ?? '', /spec\.watcher\.namespace: you may not .* namespace "victim-legacy"/);
  });

  it('a disabled watcher grants nothing, so naming victim is allowed', async () => {
    const json = instanceJson('tenant', 'dormant', [{ deployment: 'db', namespace: 'victim' }]).replace('"enabled":true', '"enabled":false');
    assert.equal(await createAs('alice', json), undefined);
  });

  it('an update that adds a target in victim is refused; the stored instance keeps its targets', async () => {
    assert.equal(await createAs('alice', instanceJson('tenant', 'grows', [{ deployment: 'app', namespace: 'tenant' }])), undefined);
    const patch = JSON.stringify({ spec: { watcher: { targets: [{ deployment: 'app', namespace: 'tenant' }, { deployment: 'db', namespace: 'victim' }] } } });
    const refusal = await k(['patch', 'chatcliinstance', 'grows', '-n', 'tenant', '--as=alice', '--type=merge', '-p', patch]).then(() => undefined, (err: Error) => err.message);
    assert.match(refusal ?? '', /spec\.watcher\.targets\[1\]\.namespace: .*"victim"/);
    const stored = await getJson<{ spec: { watcher: { targets: unknown[] } } }>(plane(), ['chatcliinstance', 'grows', '-n', 'tenant']);
    assert.equal(stored?.spec.watcher.targets.length, 1);
  });

  it('more distinct namespaces than the policies check (12) are refused, saying so, even for an admin', async () => {
    const targets = [...SPREAD, 'spread-12'].map((namespace) => ({ deployment: 'app', namespace }));
    assert.match((await createAs(undefined, instanceJson('tenant', 'wide', targets))) ?? '', /spec\.watcher: names 13 namespaces; .* at most 12 per instance/);
    assert.match((await createAs('carol', instanceJson('tenant', 'wide', targets), true)) ?? '', /spec\.watcher: names 13 namespaces; .* at most 12 per instance/);
  });

  it('twelve namespaces are checked within the API server\'s CEL cost: admitted for an admin and for a user who may read all twelve', async () => {
    const targets = SPREAD.map((namespace) => ({ deployment: 'app', namespace }));
    assert.equal(await createAs(undefined, instanceJson('tenant', 'wide', targets), true), undefined, 'an admin');
    assert.equal(await createAs('carol', instanceJson('tenant', 'wide', targets)), undefined, 'carol');
    assert.ok(await exists(['chatcliinstance', 'wide', '-n', 'tenant']));
  });

  it('the twelfth namespace is checked like the first: a user lacking a permission only there is refused, naming targets[11]', async () => {
    const targets = [...SPREAD.slice(0, 11), 'victim'].map((namespace) => ({ deployment: 'app', namespace }));
    const refusal = await createAs('carol', instanceJson('tenant', 'wide-victim', targets), true);
    assert.match(refusal ?? '', /spec\.watcher\.targets\[11\]\.namespace: /);
    assert.match(refusal ?? '', lacking('victim'));
  });
});

describe('tenancy: the operator only grants in namespaces that opted in (--watch-namespace-policy=label, the default)', () => {
  let kubeconfig: string;
  let operator: RunningOperator | undefined;
  const instance = async () => await getJson<Instance>(plane(), ['chatcliinstance', 'chat', '-n', 'guard-home']);
  const reconciled = async () => (await instance())?.status?.conditions?.find((c) => c.type === 'ReconcileSucceeded');
  // In its own namespace the grant is <name>-watcher, elsewhere <instance namespace>.<name>-watcher.
  const grant = (ns: string, name = 'chat') => (ns === 'guard-home' ? `${name}-watcher` : `guard-home.${name}-watcher`);
  const rolePair = async (ns: string) => (await exists(['role', grant(ns), '-n', ns])) && (await exists(['rolebinding', grant(ns), '-n', ns]));

  before(async () => {
    kubeconfig = await installOperator(plane());
    operator = await startOperator(kubeconfig);
    await namespaces('guard-home', 'guard-open', 'guard-closed');
    await k(['label', 'namespace', 'guard-open', WATCHABLE]);
  }, { timeout: 120_000 });
  after(async () => {
    await operator?.stop();
  });

  it('an instance targeting an unlabelled namespace gets no Role there, says which field and namespace, and the rest still works', async () => {
    await k(['apply', '-f', '-'], instanceJson('guard-home', 'chat', [
      { deployment: 'own', namespace: 'guard-home' },
      { deployment: 'open', namespace: 'guard-open' },
      { deployment: 'closed', namespace: 'guard-closed' },
    ]));
    await eventually('TargetNotPermitted', async () => (await reconciled())?.reason === 'TargetNotPermitted');
    const c = await reconciled();
    assert.equal(c?.status, 'False');
    assert.match(c?.message ?? '', /chatcli\.diillson\.com\/watchable=true: spec\.watcher\.targets\[2\]\.namespace: namespace "guard-closed"$/);
    assert.equal(await rolePair('guard-closed'), false, 'no Role or RoleBinding in the unlabelled namespace');
    assert.ok(await rolePair('guard-open'), 'the labelled namespace is granted');
    assert.ok(await rolePair('guard-home'), 'the instance\'s own namespace needs no label');
    assert.ok(await exists(['deployment', 'chat', '-n', 'guard-home']), 'the Deployment is there');
    const inst = await instance();
    assert.equal(inst?.status?.observedGeneration, inst?.metadata.generation, 'a standing refusal, not a failure to retry');
    assert.ok(inst?.metadata.finalizers?.includes('chatcli.diillson.com/finalizer'), 'the operator\'s own update of the instance passes the policy');
    await eventually('a Warning Event TargetNotPermitted', async () =>
      (await k(['get', 'events', '-n', 'guard-home', '--field-selector=reason=TargetNotPermitted,type=Warning', '-o', 'name'])).trim() !== '');
  });

  it('labelling the namespace lets the instance converge; removing the label takes the grant back', async () => {
    await k(['label', 'namespace', 'guard-closed', WATCHABLE]);
    await eventually('the Role pair in guard-closed', () => rolePair('guard-closed'));
    await eventually('ReconcileSucceeded=True', async () => (await reconciled())?.status === 'True');

    await k(['label', 'namespace', 'guard-closed', 'chatcli.diillson.com/watchable-']);
    await eventually('the Role pair in guard-closed removed', async () => !(await exists(['role', grant('guard-closed'), '-n', 'guard-closed'])) && !(await exists(['rolebinding', grant('guard-closed'), '-n', 'guard-closed'])));
    await eventually('TargetNotPermitted again', async () => (await reconciled())?.reason === 'TargetNotPermitted');
    assert.ok(await rolePair('guard-open'), 'the other grants stay');
  });

  // Found by the chaos run (bench/chaos/bad-data.ts): while a labelled target
  // namespace is being deleted, its content goes and the API server refuses new
  // content (403); the grant must not be made again and again meanwhile.
  it('a target namespace being deleted is granted nothing more: TargetNotPermitted, not a 403 retried', async () => {
    await namespaces('guard-doomed');
    await k(['label', 'namespace', 'guard-doomed', WATCHABLE]);
    await k(['apply', '-f', '-'], instanceJson('guard-home', 'doomed', [{ deployment: 'app', namespace: 'guard-doomed' }]));
    const doomedRole = () => exists(['role', grant('guard-doomed', 'doomed'), '-n', 'guard-doomed']);
    await eventually('the Role in guard-doomed', doomedRole);
    await k(['delete', 'namespace', 'guard-doomed', '--wait=false']);
    // What the namespace controller (not running in api mode) would do: empty it (unless the operator's prune was first).
    await k(['delete', 'role', grant('guard-doomed', 'doomed'), '-n', 'guard-doomed', '--ignore-not-found']);
    const doomed = async () => (await getJson<Instance>(plane(), ['chatcliinstance', 'doomed', '-n', 'guard-home']))?.status?.conditions?.find((c) => c.type === 'ReconcileSucceeded');
    await eventually('TargetNotPermitted for the namespace being deleted', async () => (await doomed())?.reason === 'TargetNotPermitted');
    await eventually('its RoleBinding pruned', async () => !(await exists(['rolebinding', grant('guard-doomed', 'doomed'), '-n', 'guard-doomed'])));
    assert.equal(await doomedRole(), false, 'the Role was not made again');
    assert.doesNotMatch(operator?.logs() ?? '', /because it is being terminated/, 'no write refused for the terminating namespace');
  });

  it('with --watch-namespace-policy=any every named namespace is granted, labelled or not', async () => {
    assert.equal(await operator?.stop(), 0);
    operator = await startOperator(kubeconfig, ['--watch-namespace-policy=any']);
    await eventually('the Role pair in the unlabelled namespace', () => rolePair('guard-closed'));
    await eventually('ReconcileSucceeded=True', async () => (await reconciled())?.status === 'True');
  });

  it('refuses a policy it does not know', async () => {
    const bad = await startOperator(kubeconfig, ['--watch-namespace-policy=none']).then(() => 'started', (err: Error) => err.message);
    assert.match(bad, /--watch-namespace-policy must be one of label, any, not "none"/);
  });
});

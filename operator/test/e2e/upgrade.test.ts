// Upgrading a running installation: the operator of release 0.1.0 (this
// repository at a pinned commit, test/support/previous-release.ts) runs the
// four seed samples on the full plane; then it is replaced by this checkout's
// operator, following the upgrade steps of CHANGELOG.md (new CRD and RBAC, the
// target namespaces opt in to being watched, hack/upgrade/from-0.1.0.sh hands
// 0.1.0's watcher RBAC over). What must hold: each pod template changes once,
// for reasons listed here (one new ReplicaSet per instance, no churn), no
// object is left that the new operator would not make (0 orphans), instances
// with a RollingUpdate Deployment stay Available throughout, and the new
// operator's writes are bounded.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { waitForCondition, waitForCrd } from '../../hack/controlplane/wait.ts';
import { withDefaults } from '../../src/api/defaults.ts';
import type { ChatCLIInstance } from '../../src/api/chatcliinstance.ts';
import { desiredObjects, refOf } from '../../src/desired/index.ts';
import { usePlane } from '../support/cluster.ts';
import { CRD_FILE, ROLE_FILE, apiServerWrites, eventually, getJson, startOperator, type RunningOperator } from '../support/operator.ts';
import { previousOperator, type PreviousOperator } from '../support/previous-release.ts';

const run = promisify(execFile);
const plane = usePlane('full');
const UPGRADE_SCRIPT = new URL('../../hack/upgrade/from-0.1.0.sh', import.meta.url).pathname;
const NS = 'default';
const MANAGED = 'app.kubernetes.io/managed-by=chatcli-operator';
/** What the operator itself writes (events have other writers too). */
const OPERATOR_RESOURCES = ['chatcliinstances', 'chatcliinstances/status', 'configmaps', 'services', 'serviceaccounts', 'deployments',
  'persistentvolumeclaims', 'roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'];

type Meta = { name: string; namespace?: string; uid: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { uid: string }[] };
type Condition = { type: string; status: string; reason?: string };
type Deployment = { metadata: Meta; spec: { replicas: number; strategy?: { type?: string } }; status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number; conditions?: Condition[] } };
type ReplicaSet = { metadata: Meta; spec: { replicas: number; template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: unknown } } };
type Instance = ChatCLIInstance & { metadata: Meta; status?: { observedGeneration?: number; conditions?: Condition[] } };
type List<T> = { items: T[] };

const available = (conditions: Condition[] | undefined) => conditions?.find((c) => c.type === 'Available')?.status === 'True';

/** Paths where two pod templates differ; list items with a name are matched by name. */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (Array.isArray(a) && Array.isArray(b)) {
    const named = [...a, ...b].every((x) => typeof x === 'object' && x !== null && 'name' in x);
    if (!named) return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
    const byName = (l: { name: string }[]) => new Map(l.map((x) => [x.name, x]));
    const [ma, mb] = [byName(a as { name: string }[]), byName(b as { name: string }[])];
    return [...new Set([...ma.keys(), ...mb.keys()])].flatMap((n) => differences(ma.get(n), mb.get(n), `${path}[${n}]`));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const [oa, ob] = [a as Record<string, unknown>, b as Record<string, unknown>];
    return [...new Set([...Object.keys(oa), ...Object.keys(ob)])].sort().flatMap((k) => differences(oa[k], ob[k], path ? `${path}.${k}` : k));
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  return [a === undefined ? `+${path}` : b === undefined ? `-${path}` : path];
}

/** Pod-template (and env ConfigMap) changes from 0.1.0, each made on purpose (CHANGELOG.md, 0.2.0). */
const EXPECTED_TEMPLATE_CHANGES: Record<string, string> = {
  'metadata.annotations.chatcli.diillson.com/config-hash': 'the env ConfigMap changed (below)',
  '+spec.containers[chatcli].volumeMounts[chatcli-state]': '$HOME/.chatcli, where ChatCLI writes, is writable whatever the uid',
  '+spec.volumes[chatcli-state]': 'its emptyDir',
  'ConfigMap +HOME': 'a home for a uid without a passwd entry (src/desired/chatcli.ts)',
  'ConfigMap +CHATCLI_ENV': 'logs on stdout, not only in $HOME/.chatcli/app.log (ChatCLI v1.188.0)',
  'ConfigMap +CHATCLI_BIND_ADDRESS': 'an explicit bind address',
  'ConfigMap +CHATCLI_HUB_DB': 'with a ReadWriteOnce sessions claim, v1.188.0\'s conversation hub on the claim, so it outlives the pod',
};

/** Runs `kubectl get <args> --watch` as admin; calls back with each output line's words. */
function watchLines(args: string[], onLine: (words: string[]) => void): { stop(): void } {
  const child = spawn(join(plane().binDir, 'kubectl'), ['get', ...args, '--watch', `--kubeconfig=${plane().kubeconfigPath}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buffered = '';
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line.trim().split(/\s+/));
  });
  return { stop: () => child.kill('SIGTERM') };
}

describe('upgrading from release 0.1.0 (full plane)', () => {
  let previous: PreviousOperator;
  let oldOperator: RunningOperator | undefined;
  let newOperator: RunningOperator | undefined;
  before(async () => {
    previous = await previousOperator();
  }, { timeout: 600_000 });
  after(async () => {
    await oldOperator?.stop('SIGKILL');
    await newOperator?.stop('SIGTERM');
  });

  it('the current operator takes over 0.1.0 instances: one rollout each, 0 orphans, RollingUpdate instances Available throughout, bounded writes', { timeout: 180_000 }, async () => {
    const k = plane().kubectl;
    const list = async <T>(args: string[]) => (await getJson<List<T>>(plane(), args))?.items ?? [];
    const started = Date.now();
    const log = (line: string) => console.error(`[upgrade +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);

    // 1. Release 0.1.0 as it was installed: its CRD, its RBAC, its operator as its ServiceAccount.
    await k(['apply', '--server-side', '-f', join(previous.dir, 'config/crd/bases/chatcli.diillson.com_chatcliinstances.yaml')]);
    await waitForCrd(k, 'chatcliinstances.chatcli.diillson.com');
    await k(['apply', '--server-side', '-f', join(previous.dir, 'config/rbac/role.yaml')]);
    const kc = await plane().serviceAccountKubeConfig('chatcli-system', 'chatcli-operator');
    const kubeconfig = join(plane().dir, 'operator.kubeconfig');
    await (await import('node:fs/promises')).writeFile(kubeconfig, kc.exportConfig(), { mode: 0o600 });
    oldOperator = await startOperator(kubeconfig, [], { main: previous.main });
    for (const ns of ['production', 'batch', 'ml']) await k(['create', 'namespace', ns]);
    await k(['create', 'secret', 'generic', 'chatcli-api-keys', '-n', NS, '--from-literal=ANTHROPIC_API_KEY=placeholder']);
    await k(['create', 'secret', 'generic', 'chatcli-auth', '-n', NS, '--from-literal=token=placeholder']);
    await k(['create', 'secret', 'generic', 'chatcli-tls', '-n', NS, '--type=kubernetes.io/tls', '--from-literal=tls.crt=x', '--from-literal=tls.key=y']);
    const samplesDir = join(previous.dir, 'config/samples');
    const samples = readdirSync(samplesDir).filter((f) => f.startsWith('chatcli_') && f.endsWith('.yaml')).sort();
    assert.equal(samples.length, 4);
    const names: string[] = [];
    for (const f of samples) names.push((await k(['apply', '-n', NS, '-f', join(samplesDir, f), '-o', 'jsonpath={.metadata.name}'])).trim());
    for (const name of names) await waitForCondition(k, ['-n', NS, `chatcliinstance/${name}`], 'Available', 90_000);
    log(`0.1.0 (${previous.commit.slice(0, 7)}, node_modules ${previous.nodeModules}) runs ${names.join(', ')}`);
    const oldSets = new Map((await list<ReplicaSet>(['replicasets', '-n', NS])).map((rs) => [rs.metadata.uid, rs]));
    assert.equal(oldSets.size, 4, 'one ReplicaSet per instance under 0.1.0');
    const oldGenerations = new Map((await list<Deployment>(['deployments', '-n', NS])).map((d) => [d.metadata.name, d.metadata.generation ?? 0]));

    // Availability, from here to the end: every state of each Deployment and instance
    // the API server stores, as its watch delivers it (a poll could miss a short gap).
    const downSince = new Map<string, number>();
    const unavailableMs = new Map<string, number>();
    const everDown = new Set<string>();
    const seen = new Set<string>();
    const record = (what: string, up: boolean) => {
      seen.add(what);
      if (!up) everDown.add(what);
      if (!up && !downSince.has(what)) downSince.set(what, Date.now());
      if (up && downSince.has(what)) {
        unavailableMs.set(what, (unavailableMs.get(what) ?? 0) + Date.now() - downSince.get(what)!);
        downSince.delete(what);
      }
    };
    const watches = [
      watchLines(['deployments', '-n', NS, '-o', 'jsonpath={.metadata.name} {.status.availableReplicas} {.status.conditions[?(@.type=="Available")].status}{"\\n"}'],
        ([name, n, status]) => record(`deployment/${name}`, Number(n) >= 1 && status === 'True')),
      watchLines(['chatcliinstances', '-n', NS, '-o', 'jsonpath={.metadata.name} {.status.conditions[?(@.type=="Available")].status}{"\\n"}'],
        ([name, status]) => record(`chatcliinstance/${name}`, status === 'True')),
    ];
    await eventually('both watches saw every instance', () => names.every((n) => seen.has(`deployment/${n}`) && seen.has(`chatcliinstance/${n}`)), 10_000);
    assert.deepEqual([...everDown], [], 'every instance Available under 0.1.0');
    const envBefore = new Map(await Promise.all(names.map(async (n) => [n, (await getJson<{ data: Record<string, string> }>(plane(), ['configmap', n, '-n', NS]))!.data] as const)));

    // 2. The upgrade, as CHANGELOG.md says: stop 0.1.0, new CRD and RBAC, namespaces opt in, hand the watcher RBAC over.
    assert.equal(await oldOperator.stop('SIGTERM'), 0);
    oldOperator = undefined;
    await k(['apply', '--server-side', '--force-conflicts', '-f', CRD_FILE]);
    await k(['apply', '--server-side', '--force-conflicts', '-f', ROLE_FILE]);
    for (const ns of ['production', 'batch', 'ml']) await k(['label', 'namespace', ns, 'chatcli.diillson.com/watchable=true']);
    const env = { ...process.env, KUBECTL: join(plane().binDir, 'kubectl'), KUBECONFIG: plane().kubeconfigPath };
    const dryRun = (await run('bash', [UPGRADE_SCRIPT], { env })).stdout;
    log(`hack/upgrade/from-0.1.0.sh (dry run):\n${dryRun}`);
    const handedOver = dryRun.split('\n').filter((l) => l.includes(' -> ')).map((l) => l.split(' -> ')[0]).sort();
    assert.deepEqual(handedOver, [
      'clusterrole default-chatcli-multi-watcher', 'clusterrole default-chatcli-prod-watcher',
      'clusterrolebinding default-chatcli-multi-watcher', 'clusterrolebinding default-chatcli-prod-watcher',
      'role production/chatcli-watcher-watcher', 'rolebinding production/chatcli-watcher-watcher',
    ]);
    await run('bash', [UPGRADE_SCRIPT, '--apply'], { env });
    assert.match((await run('bash', [UPGRADE_SCRIPT], { env })).stdout, /nothing to hand over/);

    // 3. The current operator takes over.
    const operatorWrites = async () => {
      const w = await apiServerWrites(plane());
      return OPERATOR_RESOURCES.reduce((sum, r) => sum + (w.get(r) ?? 0), 0);
    };
    const writesBefore = await apiServerWrites(plane());
    const countBefore = await operatorWrites();
    const takeover = Date.now();
    newOperator = await startOperator(kubeconfig);
    const instances = () => list<Instance>(['chatcliinstances', '-n', NS]);
    await eventually('every instance reconciled by the new operator, Available, its Deployment rolled out', async () => {
      const [is, ds] = [await instances(), await list<Deployment>(['deployments', '-n', NS])];
      return is.length === 4 && is.every((i) => i.status?.observedGeneration === i.metadata.generation
        && i.status?.conditions?.find((c) => c.type === 'ReconcileSucceeded')?.status === 'True' && available(i.status.conditions))
        && ds.every((d) => d.status?.observedGeneration === d.metadata.generation && d.status?.updatedReplicas === d.spec.replicas
          && d.status?.availableReplicas === d.spec.replicas && d.status?.replicas === d.spec.replicas);
    }, 90_000, 250);
    const converged = Date.now();
    // Quiet: no operator write for 3 s.
    let last = await operatorWrites();
    let quietSince = Date.now();
    await eventually('the operator stops writing', async () => {
      const now = await operatorWrites();
      if (now !== last) [last, quietSince] = [now, Date.now()];
      return Date.now() - quietSince >= 3_000;
    }, 30_000, 500);
    for (const w of watches) w.stop();
    const writesAfter = await apiServerWrites(plane());
    const byResource = Object.fromEntries(OPERATOR_RESOURCES.map((r) => [r, (writesAfter.get(r) ?? 0) - (writesBefore.get(r) ?? 0)]).filter(([, n]) => n !== 0));
    const writes = last - countBefore;
    log(`converged ${((converged - takeover) / 1000).toFixed(1)}s after the new operator started; its writes: ${writes} ${JSON.stringify(byResource)}`);

    // One rollout per instance, for the listed reasons only.
    const sets = await list<ReplicaSet>(['replicasets', '-n', NS]);
    const deployments = await list<Deployment>(['deployments', '-n', NS]);
    const changes = new Set<string>();
    for (const d of deployments) {
      const mine = sets.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid));
      const fresh = mine.filter((rs) => !oldSets.has(rs.metadata.uid));
      const old = mine.find((rs) => oldSets.has(rs.metadata.uid));
      assert.equal(fresh.length, 1, `${d.metadata.name}: exactly one new ReplicaSet (${mine.map((r) => r.metadata.name).join(', ')})`);
      assert.ok(old && old.spec.replicas === 0, `${d.metadata.name}: the 0.1.0 ReplicaSet scaled to 0`);
      const strip = (rs: ReplicaSet) => ({ ...rs.spec.template, metadata: { ...rs.spec.template.metadata, labels: { ...rs.spec.template.metadata.labels, 'pod-template-hash': '' } } });
      const diff = differences(strip(old), strip(fresh[0]!));
      log(`${d.metadata.name}: generation ${oldGenerations.get(d.metadata.name)} -> ${d.metadata.generation}, strategy ${d.spec.strategy?.type}, pod template: ${diff.join(', ')}`);
      diff.forEach((c) => changes.add(c));
    }
    // 0 orphans: every object labelled as an instance's is one the current operator wants.
    const wanted = new Set((await instances()).flatMap((i) => desiredObjects(withDefaults(i)).map((o) => { const r = refOf(o); return `${r.kind} ${r.namespace ?? ''}/${r.name}`; })));
    const labelled = [
      ...(await list<{ kind: string; metadata: Meta }>(['deployments,services,configmaps,serviceaccounts,persistentvolumeclaims,roles,rolebindings', '-A', '-l', MANAGED])),
      ...(await list<{ kind: string; metadata: Meta }>(['clusterroles,clusterrolebindings', '-l', MANAGED])),
    ].map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    const orphans = labelled.filter((o) => !wanted.has(o));
    assert.deepEqual(orphans, [], 'objects no current instance wants');
    assert.equal(labelled.length, wanted.size, 'and every wanted object exists');
    // The Role 0.1.0 made (broader reads, <name>-watcher) was replaced by the grant of today's name and rules, then removed.
    const desiredRole = (await instances()).flatMap((i) => desiredObjects(withDefaults(i))).find((o) => o.kind === 'Role' && o.metadata.namespace === 'production' && o.metadata.name === 'default.chatcli-watcher-watcher');
    const liveRole = await getJson<{ rules: unknown }>(plane(), ['role', 'default.chatcli-watcher-watcher', '-n', 'production']);
    assert.ok(desiredRole);
    assert.deepEqual(liveRole?.rules, desiredRole.rules);
    assert.equal(await getJson(plane(), ['role', 'chatcli-watcher-watcher', '-n', 'production']), undefined, "0.1.0's Role is gone");

    // Availability throughout.
    for (const [what, since] of downSince) unavailableMs.set(what, (unavailableMs.get(what) ?? 0) + Date.now() - since);
    const recreate = deployments.filter((d) => d.spec.strategy?.type === 'Recreate').map((d) => d.metadata.name).sort();
    log(`unavailable (ms): ${JSON.stringify(Object.fromEntries(unavailableMs))} (Recreate: ${recreate.join(', ')})`);
    for (const name of names.filter((n) => !recreate.includes(n))) {
      assert.ok(!everDown.has(`deployment/${name}`) && !everDown.has(`chatcliinstance/${name}`), `${name} (RollingUpdate) stayed Available`);
    }
    for (const name of recreate) assert.ok((unavailableMs.get(`deployment/${name}`) ?? 0) < 15_000, `${name} (Recreate) was back within 15 s`);
    // What changed in the env ConfigMap (the config-hash annotation follows it).
    for (const name of names) {
      const after = (await getJson<{ data: Record<string, string> }>(plane(), ['configmap', name, '-n', NS]))!.data;
      const keys = differences(envBefore.get(name), after);
      log(`${name}: env ConfigMap ${keys.join(', ')}`);
      assert.deepEqual(keys.filter((c) => !(`ConfigMap ${c}` in EXPECTED_TEMPLATE_CHANGES)), [], `${name}: env ConfigMap changes nobody listed`);
    }

    assert.deepEqual([...changes].filter((c) => !(c in EXPECTED_TEMPLATE_CHANGES)), [], 'pod-template changes nobody listed');
    assert.ok(writes <= 80, `the new operator's writes are bounded: ${writes}`);
  });
});

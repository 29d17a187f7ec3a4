// Two operator replicas with --leader-elect: only the leader writes; the other
// takes over once the leader is killed (no release: the Lease must expire).
// And a leader whose Lease is taken over stops writing at once and exits.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { usePlane } from '../support/cluster.ts';
import { eventually, getJson, installOperator, startOperator, type RunningOperator } from '../support/operator.ts';
import { isWrite, startApiProxy, type ApiProxy, type ProxiedRequest } from '../support/api-proxy.ts';

const plane = usePlane('api');
const LEASE = ['lease', 'chatcli-operator.chatcli.diillson.com', '-n', 'chatcli-system'];

async function reconciles(op: RunningOperator): Promise<number> {
  const text = await op.metrics();
  return text.split('\n')
    .filter((l) => l.startsWith('chatcli_operator_reconciliations_total{'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** leader_election_master_status of the Lease: 1 leading, 0 waiting. */
async function leaderStatus(op: RunningOperator): Promise<number | undefined> {
  const m = /^leader_election_master_status\{name="chatcli-operator\.chatcli\.diillson\.com"\} (\d)$/m.exec(await op.metrics());
  return m ? Number(m[1]) : undefined;
}

async function holder(): Promise<string | undefined> {
  return (await getJson<{ spec: { holderIdentity?: string } }>(plane(), LEASE))?.spec.holderIdentity;
}

describe('leader election', () => {
  let a: RunningOperator;
  let b: RunningOperator;
  before(async () => {
    const kubeconfig = await installOperator(plane());
    const args = ['--leader-elect', '--leader-election-namespace=chatcli-system'];
    a = await startOperator(kubeconfig, args);
    await eventually('a Lease holder', async () => (await holder()) !== undefined);
    b = await startOperator(kubeconfig, args);
  }, { timeout: 120_000 });
  after(async () => {
    await a?.stop('SIGKILL');
    await b?.stop('SIGTERM');
  });

  it('only the leader reconciles; the other takes over after the leader is killed', { timeout: 90_000 }, async () => {
    const k = plane().kubectl;
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name: 'first', namespace: 'default' }, spec: { provider: 'OPENAI' } }));
    await eventually('the first instance applied', async () => (await getJson(plane(), ['deployment', 'first', '-n', 'default'])) !== undefined);
    // The count moves once a reconcile has ended, after its last write.
    await eventually('a reconcile counted by the leader', async () => (await reconciles(a)) > 0);
    // The standby has read the Lease and seen the leader: it does not lead, so it does not reconcile.
    await eventually('the standby seeing the leader', () => /new leader observed/.test(b.logs()));
    const rb = await reconciles(b);
    assert.equal(rb, 0, 'the standby does not reconcile');
    assert.match(a.logs(), /became leader/);
    assert.doesNotMatch(b.logs(), /became leader/);
    assert.deepEqual([await leaderStatus(a), await leaderStatus(b)], [1, 0], 'leader_election_master_status');

    const before = await holder();
    await a.stop('SIGKILL');
    await eventually('the standby to take the Lease', async () => {
      const h = await holder();
      return h !== undefined && h !== before;
    }, 40_000);
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name: 'second', namespace: 'default' }, spec: { provider: 'OPENAI' } }));
    await eventually('the second instance applied by the new leader', async () => (await getJson(plane(), ['deployment', 'second', '-n', 'default'])) !== undefined);
    assert.match(b.logs(), /became leader/);
    await eventually('a reconcile counted by the new leader', async () => (await reconciles(b)) > 0);
    assert.equal(await leaderStatus(b), 1, 'leader_election_master_status of the new leader');
  });

  it('a SIGTERM releases the Lease at once', async () => {
    assert.notEqual(await holder(), undefined);
    assert.equal(await b.stop('SIGTERM'), 0);
    const h = await holder();
    assert.ok(h === undefined || h === '', `the Lease is released (holder "${h}")`);
  });
});

describe('a deposed leader', () => {
  const LEASE_ID = 'deposed-test';
  const lease = ['lease', LEASE_ID, '-n', 'chatcli-system'];
  // Short timings, in client-go's proportions (15 s / 10 s / 2 s).
  const TIMINGS = ['--leader-elect-lease-duration=4s', '--leader-elect-renew-deadline=3s', '--leader-elect-retry-period=500ms'];
  const HOLD_MS = 8_000;
  let proxy: ApiProxy;
  let op: RunningOperator | undefined;
  before(async () => {
    const saKubeconfig = await installOperator(plane());
    const sa = new KubeConfig();
    sa.loadFromFile(saKubeconfig);
    proxy = await startApiProxy(plane());
    // The operator, as its own ServiceAccount, reaches the API server only through the proxy.
    const path = join(plane().dir, 'operator-via-proxy.kubeconfig');
    await writeFile(path, proxy.kubeconfigYaml(sa.getCurrentUser()?.token ?? ''), { mode: 0o600 });
    op = await startOperator(path, ['--leader-elect', '--leader-election-namespace=chatcli-system', `--leader-election-id=${LEASE_ID}`, ...TIMINGS]);
  }, { timeout: 120_000 });
  after(async () => {
    await op?.stop('SIGKILL');
    await proxy?.stop();
  });

  it('makes no write after losing the Lease, and exits', { timeout: 60_000 }, async () => {
    await eventually('the operator to lead', async () => (await getJson<{ spec: { holderIdentity?: string } }>(plane(), lease))?.spec.holderIdentity !== undefined);
    // A slow API server: the Deployment write of a reconcile stays on the wire for 8 s.
    // The instance's Deployment: created with a POST to the collection (its name in the body), then patched by name.
    const heldWrite = (r: ProxiedRequest) => isWrite(r) && /\/namespaces\/default\/deployments(\/held)?$/.test(r.path);
    proxy.hold = (r) => (heldWrite(r) ? HOLD_MS : 0);
    await plane().kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name: 'held', namespace: 'default' }, spec: { provider: 'OPENAI' } }));
    await eventually('the Deployment write to be on the wire', () => proxy.requests.some((r) => heldWrite(r) && r.outcome === 'pending'), 20_000);

    // Another process takes the Lease over (as a successor would once it expired).
    const takenAt = Date.now();
    const renewTime = new Date().toISOString().replace('Z', '000Z');
    await plane().kubectl(['patch', ...lease, '--type=merge', '-p', JSON.stringify({ spec: { holderIdentity: 'successor', renewTime, leaseDurationSeconds: 60 } })]);

    const code = await Promise.race([op!.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 5_000))]);
    assert.equal(code, 1, 'the deposed leader exits with 1');
    const exitedIn = Date.now() - takenAt;
    // The held write is decided once its hold ends: forwarded, or dropped (its client gone).
    await eventually('the held Deployment write decided', () =>
      proxy.requests.filter(heldWrite).every((r) => r.outcome !== 'pending'), HOLD_MS + 10_000);

    const lateWrites = proxy.requests.filter((r) => isWrite(r) && r.forwardedAt !== undefined && r.forwardedAt >= takenAt);
    // `takenAt` is taken before kubectl starts, so a renewal may still land before the takeover
    // does (200), or just after it (409: it carries the resourceVersion it read). Either way
    // it cannot overwrite the takeover: the holder check below shows the Lease is the successor's.
    const renewals = lateWrites.filter((r) => r.method === 'PUT' && r.path.endsWith(`/leases/${LEASE_ID}`));
    assert.deepEqual(lateWrites.filter((r) => !renewals.includes(r)).map((r) => `${r.method} ${r.path} ${r.status ?? 'no answer'}`), [], 'nothing but a racing renewal written after the takeover');
    assert.ok(renewals.length <= 1, `${renewals.length} renewals after the takeover: ${renewals.map((r) => r.status).join(', ')}`);
    const held = proxy.requests.filter(heldWrite);
    assert.deepEqual(held.map((r) => r.outcome), ['dropped'], 'the write in flight was abandoned before it reached the server');
    assert.equal(await getJson(plane(), ['deployment', 'held', '-n', 'default']), undefined, 'the API server has no Deployment');
    assert.equal((await getJson<{ spec: { holderIdentity?: string } }>(plane(), lease))?.spec.holderIdentity, 'successor', 'the Lease was left to its new holder');
    assert.match(op!.logs(), /leadership lost: the Lease is held by successor/);
    assert.ok(exitedIn < 3_000, `exited ${exitedIn} ms after the takeover`);
  });
});

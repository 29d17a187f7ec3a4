// Two operator replicas with --leader-elect: only the leader writes; the other
// takes over once the leader is killed (no release: the Lease must expire).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { usePlane } from '../support/cluster.ts';
import { eventually, getJson, installOperator, startOperator, type RunningOperator } from '../support/operator.ts';

const plane = usePlane('api');
const LEASE = ['lease', 'chatcli-operator.chatcli.diillson.com', '-n', 'chatcli-system'];

async function reconciles(op: RunningOperator): Promise<number> {
  const text = await op.metrics();
  return text.split('\n')
    .filter((l) => l.startsWith('chatcli_operator_reconciliations_total{'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
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
    await new Promise((r) => setTimeout(r, 1000));
    const [ra, rb] = [await reconciles(a), await reconciles(b)];
    assert.ok(ra > 0, 'the first replica leads and reconciles');
    assert.equal(rb, 0, 'the standby does not reconcile');
    assert.match(a.logs(), /became leader/);
    assert.doesNotMatch(b.logs(), /became leader/);

    const before = await holder();
    await a.stop('SIGKILL');
    await eventually('the standby to take the Lease', async () => {
      const h = await holder();
      return h !== undefined && h !== before;
    }, 40_000);
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name: 'second', namespace: 'default' }, spec: { provider: 'OPENAI' } }));
    await eventually('the second instance applied by the new leader', async () => (await getJson(plane(), ['deployment', 'second', '-n', 'default'])) !== undefined);
    assert.match(b.logs(), /became leader/);
    assert.ok((await reconciles(b)) > 0);
  });

  it('a SIGTERM releases the Lease at once', async () => {
    assert.notEqual(await holder(), undefined);
    assert.equal(await b.stop('SIGTERM'), 0);
    const h = await holder();
    assert.ok(h === undefined || h === '', `the Lease is released (holder "${h}")`);
  });
});

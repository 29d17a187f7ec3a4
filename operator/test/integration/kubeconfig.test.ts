// The operator process reads its kubeconfig with its own reader (not
// client-node's) and works with each kind of user a real cluster hands out:
// a client certificate (the plane's admin), a ServiceAccount token, and an
// exec credential plugin; and so does the production bundle. Each run must
// sync its caches and turn an instance into its objects on the real API server.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { usePlane } from '../support/cluster.ts';
import { eventually, getJson, installOperator, startOperator, type RunningOperator } from '../support/operator.ts';

const plane = usePlane('api');
let operator: RunningOperator | undefined;
let saKubeconfig: string;

/** Starts the operator with `kubeconfig`, has it reconcile a new instance in `ns`, and stops it. */
async function reconcilesWith(kubeconfig: string, ns: string, main?: string): Promise<void> {
  await plane().kubectl(['create', 'namespace', ns]);
  await plane().kubectl(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance', metadata: { name: 'chat', namespace: ns }, spec: { provider: 'CLAUDEAI' },
  }));
  operator = await startOperator(kubeconfig, [], main ? { main } : {});
  await eventually(`Deployment ${ns}/chat`, async () => (await getJson(plane(), ['deployment', 'chat', '-n', ns])) !== undefined);
  const code = await operator.stop('SIGTERM');
  operator = undefined;
  assert.equal(code, 0);
}

describe('the operator with each kind of kubeconfig user', () => {
  before(async () => {
    saKubeconfig = await installOperator(plane());
  }, { timeout: 120_000 });
  after(async () => {
    await operator?.stop('SIGKILL');
  });

  it('a client certificate (the admin of the plane)', { timeout: 60_000 }, async () => {
    const admin = JSON.parse(readFileSync(plane().kubeconfigPath, 'utf8')) as { users: { user: Record<string, string> }[] };
    assert.ok(admin.users[0]?.user['client-certificate'], 'the admin kubeconfig is a client certificate');
    await reconcilesWith(plane().kubeconfigPath, 'auth-cert');
  });

  it('a ServiceAccount token', { timeout: 60_000 }, async () => {
    const sa = JSON.parse(readFileSync(saKubeconfig, 'utf8')) as { users: { user: Record<string, string> }[] };
    assert.ok(sa.users[0]?.user.token, 'the ServiceAccount kubeconfig holds a token');
    await reconcilesWith(saKubeconfig, 'auth-token');
  });

  it('an exec credential plugin (client.authentication.k8s.io/v1) that prints the ServiceAccount token', { timeout: 60_000 }, async () => {
    const sa = JSON.parse(readFileSync(saKubeconfig, 'utf8')) as { users: { name: string; user: Record<string, unknown> }[] };
    const token = sa.users[0]!.user.token as string;
    const plugin = join(plane().dir, 'token-plugin.sh');
    const calls = join(plane().dir, 'token-plugin.calls');
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token, expirationTimestamp: new Date(Date.now() + 3_600_000).toISOString() } });
    writeFileSync(plugin, `#!/bin/sh\necho run >> '${calls}'\ncat <<'EOF'\n${credential}\nEOF\n`);
    chmodSync(plugin, 0o755);
    sa.users[0]!.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } };
    const execKubeconfig = join(plane().dir, 'exec.kubeconfig');
    writeFileSync(execKubeconfig, JSON.stringify(sa), { mode: 0o600 });
    await reconcilesWith(execKubeconfig, 'auth-exec');
    // Two clients (requests and the Lease's), each running the plugin once for its whole life.
    const runs = readFileSync(calls, 'utf8').split('\n').filter(Boolean).length;
    assert.ok(runs >= 1 && runs <= 2, `the plugin ran ${runs} times`);
  });

  it('the production bundle (dist/main.js, what the image runs) with a ServiceAccount token', { timeout: 120_000 }, async () => {
    const operatorDir = fileURLToPath(new URL('../..', import.meta.url));
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: operatorDir, stdio: 'pipe' });
    await reconcilesWith(saKubeconfig, 'auth-bundle', join(operatorDir, 'dist', 'main.js'));
  });
});

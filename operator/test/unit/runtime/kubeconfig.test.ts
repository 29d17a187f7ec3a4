// Every way the operator can be told where its API server is and who it is,
// against a local HTTPS server that requires TLS and echoes the identity it
// saw (client certificate, bearer token, basic auth, impersonation). The real
// API server checks client-certificate and token kubeconfigs in the
// integration tests; the in-cluster path runs for real on the node tier.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { request } from '../../../src/runtime/kube.ts';
import {
  TOKEN_FILE_REFRESH_MS,
  kubeConfigSource,
  loadKubeConfig,
  type ClusterConfig,
} from '../../../src/runtime/kubeconfig.ts';

interface Seen {
  clientCN?: string;
  authorization?: string;
  impersonateUser?: string;
  impersonateGroup?: string;
}

const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
const f = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A CA, a server certificate for 127.0.0.1 and kube.test (not localhost), and a client certificate CN=alice. */
function makePki(): void {
  openssl('req', '-x509', ...EC, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=test-ca');
  const issue = (name: string, subj: string, ext: string) => {
    writeFileSync(f(`${name}.ext`), ext);
    openssl('req', '-new', ...EC, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', subj);
    openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial',
      '-out', f(`${name}.crt`), '-days', '1', '-extfile', f(`${name}.ext`));
  };
  issue('server', '/CN=kube.test', 'subjectAltName=IP:127.0.0.1,DNS:kube.test\nextendedKeyUsage=serverAuth\n');
  issue('alice', '/CN=alice', 'extendedKeyUsage=clientAuth\n');
  issue('bob', '/CN=bob', 'extendedKeyUsage=clientAuth\n');
  openssl('req', '-x509', ...EC, '-keyout', f('other-ca.key'), '-out', f('other-ca.crt'), '-days', '1', '-subj', '/CN=other-ca');
}

const b64 = (file: string) => readFileSync(f(file)).toString('base64');

let server: https.Server;
let port: number;
/** What each request told the server. */
let lastSeen: Seen | undefined;

/** A kubeconfig file with one context; `cluster` and `user` are merged into defaults. */
function writeKubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const file = f(name);
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'team' } }],
    'current-context': 'x',
    ...extra,
  }));
  return file;
}

async function whoami(kc: ClusterConfig): Promise<Seen> {
  lastSeen = undefined;
  await request(kc, { method: 'GET', path: '/whoami', maxRetries: 0 });
  assert.ok(lastSeen, 'the server saw the request');
  return lastSeen;
}

before(() => {
  makePki();
  const handler: http.RequestListener = (req, res) => {
    const cert = (req.socket as TLSSocket).getPeerCertificate();
    lastSeen = {
      clientCN: cert && 'subject' in cert && cert.subject ? [cert.subject.CN].flat()[0] : undefined,
      authorization: req.headers.authorization,
      impersonateUser: req.headers['impersonate-user'] as string | undefined,
      impersonateGroup: req.headers['impersonate-group'] as string | undefined,
    };
    res.setHeader('Content-Type', 'application/json');
    res.end('{}');
  };
  const tls = { key: readFileSync(f('server.key')), cert: readFileSync(f('server.crt')), ca: readFileSync(f('ca.crt')), requestCert: true, rejectUnauthorized: false };
  server = https.createServer(tls, handler);
  return new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => {
    port = (server.address() as net.AddressInfo).port;
    resolve();
  }));
});

after(() => {
  server.closeAllConnections();
  server.close();
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

describe('kubeconfig files', () => {
  it('authenticates with a client certificate and key given as data, trusting the CA given as data', async () => {
    const file = writeKubeconfig('cert-data', { 'certificate-authority-data': b64('ca.crt') },
      { 'client-certificate-data': b64('alice.crt'), 'client-key-data': b64('alice.key') });
    const kc = loadKubeConfig({ kubeconfigPath: file });
    assert.equal(kc.context, 'x');
    assert.equal(kc.namespace, 'team');
    assert.deepEqual(await whoami(kc), { clientCN: 'alice', authorization: undefined, impersonateUser: undefined, impersonateGroup: undefined });
  });

  it('reads certificate-authority, client-certificate and client-key files relative to the kubeconfig', async () => {
    const sub = f('certs');
    mkdirSync(sub, { recursive: true });
    for (const name of ['ca.crt', 'bob.crt', 'bob.key']) writeFileSync(join(sub, name), readFileSync(f(name)));
    const file = writeKubeconfig('cert-files', { 'certificate-authority': 'certs/ca.crt' },
      { 'client-certificate': 'certs/bob.crt', 'client-key': join(sub, 'bob.key') });
    assert.equal((await whoami(loadKubeConfig({ kubeconfigPath: file }))).clientCN, 'bob');
  });

  it('sends a bearer token', async () => {
    const file = writeKubeconfig('token', { 'certificate-authority-data': b64('ca.crt') }, { token: 'static-token' });
    const seen = await whoami(loadKubeConfig({ kubeconfigPath: file }));
    assert.equal(seen.authorization, 'Bearer static-token');
    assert.equal(seen.clientCN, undefined);
  });

  it('reads tokenFile, and again only once it is a minute old', async (t) => {
    writeFileSync(f('token-file'), 'first\n');
    let now = 1_000_000;
    t.mock.method(Date, 'now', () => now);
    const file = writeKubeconfig('token-file.kubeconfig', { 'certificate-authority-data': b64('ca.crt') }, { tokenFile: 'token-file', token: 'ignored-when-the-file-reads' });
    const kc = loadKubeConfig({ kubeconfigPath: file });
    assert.equal((await whoami(kc)).authorization, 'Bearer first');
    writeFileSync(f('token-file'), 'second');
    now += TOKEN_FILE_REFRESH_MS - 1;
    assert.equal((await whoami(kc)).authorization, 'Bearer first');
    now += 2;
    assert.equal((await whoami(kc)).authorization, 'Bearer second');
    // A file that vanished keeps the last token (client-go), rather than failing every call.
    rmSync(f('token-file'));
    now += TOKEN_FILE_REFRESH_MS + 1;
    assert.equal((await whoami(kc)).authorization, 'Bearer second');
  });

  it('sends basic auth and impersonation headers', async () => {
    const file = writeKubeconfig('basic', { 'certificate-authority-data': b64('ca.crt') },
      { username: 'admin', password: 'pw', as: 'carol', 'as-groups': ['devs', 'ops'] });
    const seen = await whoami(loadKubeConfig({ kubeconfigPath: file }));
    assert.equal(seen.authorization, `Basic ${Buffer.from('admin:pw').toString('base64')}`);
    assert.equal(seen.impersonateUser, 'carol');
    assert.equal(seen.impersonateGroup, 'devs, ops');
  });

  it('refuses a server whose certificate the configured CA did not sign, and accepts it with insecure-skip-tls-verify', async () => {
    const untrusted = writeKubeconfig('other-ca', { 'certificate-authority-data': b64('other-ca.crt') }, { token: 't' });
    await assert.rejects(whoami(loadKubeConfig({ kubeconfigPath: untrusted })), /certificate/i);
    const insecure = writeKubeconfig('insecure', { 'insecure-skip-tls-verify': true }, { token: 't' });
    assert.equal((await whoami(loadKubeConfig({ kubeconfigPath: insecure }))).authorization, 'Bearer t');
    const both = writeKubeconfig('both', { 'insecure-skip-tls-verify': true, 'certificate-authority-data': b64('ca.crt') }, { token: 't' });
    assert.throws(() => loadKubeConfig({ kubeconfigPath: both }), /certificate-authority and insecure-skip-tls-verify cannot both be set/);
  });

  it('checks the server certificate against tls-server-name when it is set', async () => {
    // The certificate names 127.0.0.1 and kube.test, not localhost.
    const byName = { server: `https://localhost:${port}`, 'certificate-authority-data': b64('ca.crt') };
    await assert.rejects(whoami(loadKubeConfig({ kubeconfigPath: writeKubeconfig('sni-no', byName, { token: 't' }) })), /localhost/);
    const kc = loadKubeConfig({ kubeconfigPath: writeKubeconfig('sni-yes', { ...byName, 'tls-server-name': 'kube.test' }, { token: 't' }) });
    assert.equal((await whoami(kc)).authorization, 'Bearer t');
  });

  it('goes through an http proxy-url with CONNECT', async () => {
    const tunnels: string[] = [];
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const [host, p] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(p), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
      const kc = loadKubeConfig({ kubeconfigPath: writeKubeconfig('proxy', { 'certificate-authority-data': b64('ca.crt'), 'proxy-url': proxyUrl }, { token: 'via-proxy' }) });
      assert.equal(kc.getCurrentCluster()?.proxyUrl, proxyUrl);
      assert.equal((await whoami(kc)).authorization, 'Bearer via-proxy');
      assert.deepEqual(tunnels, [`127.0.0.1:${port}`]);
      const socks = writeKubeconfig('socks', { 'proxy-url': 'socks5://127.0.0.1:1080' }, { token: 't' });
      assert.throws(() => loadKubeConfig({ kubeconfigPath: socks }), /socks5: is not supported/);
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }
  });

  it('says what is wrong with a kubeconfig it cannot use', () => {
    const noContext = writeKubeconfig('no-context', {}, { token: 't' }, { 'current-context': 'missing' });
    assert.throws(() => loadKubeConfig({ kubeconfigPath: noContext }), /context "missing" not found/);
    const provider = writeKubeconfig('provider', {}, { 'auth-provider': { name: 'gcp' } });
    assert.throws(() => loadKubeConfig({ kubeconfigPath: provider }), /auth-provider "gcp" is not supported/);
    const halfCert = writeKubeconfig('half-cert', {}, { 'client-certificate-data': b64('alice.crt') });
    assert.throws(() => loadKubeConfig({ kubeconfigPath: halfCert }), /needs its key/);
    const missingCa = writeKubeconfig('missing-ca', { 'certificate-authority': 'nowhere/ca.crt' }, { token: 't' });
    assert.throws(() => loadKubeConfig({ kubeconfigPath: missingCa }), /certificate-authority .*nowhere\/ca\.crt/);
    assert.throws(() => loadKubeConfig({ kubeconfigPath: f('does-not-exist') }), /does-not-exist/);
  });
});

describe('KUBECONFIG with several files', () => {
  it('merges them like kubectl: the first file to name a cluster, user, context or current-context wins, missing files are skipped', async () => {
    const a = f('merge-a');
    const b = f('merge-b');
    // a: its own current-context and user "u" (alice); a cluster "c" pointing nowhere useful.
    writeFileSync(a, JSON.stringify({
      'current-context': 'from-a',
      contexts: [{ name: 'from-a', context: { cluster: 'c', user: 'u' } }],
      users: [{ name: 'u', user: { 'client-certificate-data': b64('alice.crt'), 'client-key-data': b64('alice.key') } }],
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority': 'ca.crt' } }],
    }));
    // b: would change every one of those; only its new context "from-b" and cluster "d" count.
    writeFileSync(b, JSON.stringify({
      'current-context': 'from-b',
      contexts: [{ name: 'from-a', context: { cluster: 'd', user: 'v' } }, { name: 'from-b', context: { cluster: 'd', user: 'u' } }],
      users: [{ name: 'u', user: { token: 'b-token' } }],
      clusters: [{ name: 'c', cluster: { server: 'https://192.0.2.1:1' } }, { name: 'd', cluster: { server: 'https://192.0.2.2:1' } }],
    }));
    const env = { KUBECONFIG: [f('missing'), a, '', b].join(delimiter) };
    assert.equal(kubeConfigSource({ env }), 'KUBECONFIG');
    const kc = loadKubeConfig({ env });
    assert.equal(kc.context, 'from-a');
    assert.equal(kc.getCurrentCluster()?.server, `https://127.0.0.1:${port}`);
    assert.equal((await whoami(kc)).clientCN, 'alice');
    assert.throws(() => loadKubeConfig({ env: { KUBECONFIG: f('missing') } }), /none of .*missing exists/);
  });
});

describe('exec credential plugins', () => {
  const counter = f('exec-calls');
  /** A plugin that counts its runs, records what it was told, and prints `status` as an ExecCredential of `apiVersion`. */
  const plugin = (name: string, apiVersion: string, status: Record<string, unknown>): string => {
    const script = f(name);
    const credential = JSON.stringify({ apiVersion, kind: 'ExecCredential', status });
    writeFileSync(script, `#!/bin/sh\necho run >> '${counter}'\nprintf '%s' "$KUBERNETES_EXEC_INFO" > '${f(`${name}.info`)}'\nprintf '%s' "$PLUGIN_GREETING" > '${f(`${name}.env`)}'\ncat <<'EOF'\n${credential}\nEOF\n`);
    chmodSync(script, 0o755);
    return script;
  };
  const runs = () => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length;

  it('v1: runs the plugin once while its token has not expired, with cluster info and its env', async () => {
    rmSync(counter, { force: true });
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    plugin('exec-v1', 'client.authentication.k8s.io/v1', { token: 'exec-token', expirationTimestamp: expires });
    const file = writeKubeconfig('exec-v1.kubeconfig', { 'certificate-authority-data': b64('ca.crt') }, {
      // Relative, with a slash: relative to the kubeconfig's directory, as client-go resolves it.
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: './exec-v1', interactiveMode: 'Never', provideClusterInfo: true,
        env: [{ name: 'PLUGIN_GREETING', value: 'hello' }] },
    });
    const kc = loadKubeConfig({ kubeconfigPath: file });
    assert.equal((await whoami(kc)).authorization, 'Bearer exec-token');
    assert.equal((await whoami(kc)).authorization, 'Bearer exec-token');
    assert.equal(runs(), 1);
    const info = JSON.parse(readFileSync(f('exec-v1.info'), 'utf8'));
    assert.equal(info.apiVersion, 'client.authentication.k8s.io/v1');
    assert.equal(info.kind, 'ExecCredential');
    assert.equal(info.spec.interactive, false);
    assert.equal(info.spec.cluster.server, `https://127.0.0.1:${port}`);
    assert.equal(info.spec.cluster['certificate-authority-data'], b64('ca.crt'));
    assert.equal(readFileSync(f('exec-v1.env'), 'utf8'), 'hello');
  });

  it('runs the plugin again once its credential expired', async (t) => {
    rmSync(counter, { force: true });
    const expires = Date.now() + 60_000;
    const script = plugin('exec-expiring', 'client.authentication.k8s.io/v1', { token: 'short', expirationTimestamp: new Date(expires).toISOString() });
    const file = writeKubeconfig('exec-expiring.kubeconfig', { 'certificate-authority-data': b64('ca.crt') },
      { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: script, interactiveMode: 'IfAvailable' } });
    const kc = loadKubeConfig({ kubeconfigPath: file });
    await whoami(kc);
    await whoami(kc);
    assert.equal(runs(), 1);
    t.mock.method(Date, 'now', () => expires + 1);
    await whoami(kc);
    assert.equal(runs(), 2);
  });

  it('v1beta1: a client certificate from the plugin, and no interactiveMode needed', async () => {
    const script = plugin('exec-cert', 'client.authentication.k8s.io/v1beta1', {
      clientCertificateData: readFileSync(f('bob.crt'), 'utf8'), clientKeyData: readFileSync(f('bob.key'), 'utf8'),
    });
    const file = writeKubeconfig('exec-cert.kubeconfig', { 'certificate-authority-data': b64('ca.crt') },
      { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: script } });
    const seen = await whoami(loadKubeConfig({ kubeconfigPath: file }));
    assert.equal(seen.clientCN, 'bob');
    assert.equal(seen.authorization, undefined);
  });

  it('reports a failing plugin with what it printed on stderr, and refuses configurations it cannot run', async () => {
    const failing = f('exec-fails');
    writeFileSync(failing, '#!/bin/sh\necho "login required: run sso-login" >&2\nexit 3\n');
    chmodSync(failing, 0o755);
    const file = writeKubeconfig('exec-fails.kubeconfig', { 'certificate-authority-data': b64('ca.crt') },
      { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: failing, interactiveMode: 'Never' } });
    await assert.rejects(whoami(loadKubeConfig({ kubeconfigPath: file })), /exited with 3: login required: run sso-login/);
    const missing = writeKubeconfig('exec-missing.kubeconfig', {},
      { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'no-such-plugin-here', interactiveMode: 'Never', installHint: 'install it from example.test' } });
    await assert.rejects(whoami(loadKubeConfig({ kubeconfigPath: missing })), /ENOENT[\s\S]*install it from example\.test/);
    const noMode = writeKubeconfig('exec-no-mode.kubeconfig', {}, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: failing } });
    assert.throws(() => loadKubeConfig({ kubeconfigPath: noMode }), /interactiveMode must be set/);
    const alpha = writeKubeconfig('exec-alpha.kubeconfig', {}, { exec: { apiVersion: 'client.authentication.k8s.io/v1alpha1', command: failing } });
    assert.throws(() => loadKubeConfig({ kubeconfigPath: alpha }), /apiVersion must be one of/);
  });
});

describe('in-cluster', () => {
  /** A fake /var/run/secrets/kubernetes.io/serviceaccount. */
  const saDir = f('serviceaccount');
  const env = () => ({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) });

  it('is chosen when the pod has a ServiceAccount token and no kubeconfig is named', () => {
    mkdirSync(saDir, { recursive: true });
    writeFileSync(join(saDir, 'token'), 'sa-token-1');
    assert.equal(kubeConfigSource({ env: env(), serviceAccountDir: saDir }), 'in-cluster');
    assert.equal(kubeConfigSource({ env: { ...env(), KUBECONFIG: '/x' }, serviceAccountDir: saDir }), 'KUBECONFIG');
    assert.equal(kubeConfigSource({ env: env(), serviceAccountDir: f('no-sa') }), 'default');
    assert.equal(kubeConfigSource({ kubeconfigPath: '/flag', env: env(), serviceAccountDir: saDir }), 'flag');
  });

  it('trusts the ServiceAccount CA, sends its token, reads its namespace, and picks up a rotated token after a minute', async (t) => {
    mkdirSync(saDir, { recursive: true });
    writeFileSync(join(saDir, 'ca.crt'), readFileSync(f('ca.crt')));
    writeFileSync(join(saDir, 'token'), 'sa-token-1');
    writeFileSync(join(saDir, 'namespace'), 'chatcli-system');
    let now = 5_000_000;
    t.mock.method(Date, 'now', () => now);
    const kc = loadKubeConfig({ env: env(), serviceAccountDir: saDir });
    assert.equal(kc.context, 'in-cluster');
    assert.equal(kc.namespace, 'chatcli-system');
    assert.equal(kc.getCurrentCluster()?.server, `https://127.0.0.1:${port}`);
    assert.equal((await whoami(kc)).authorization, 'Bearer sa-token-1');
    // kubelet rewrites the projected token in place.
    writeFileSync(join(saDir, 'token'), 'sa-token-2');
    now += 30_000;
    assert.equal((await whoami(kc)).authorization, 'Bearer sa-token-1');
    now += TOKEN_FILE_REFRESH_MS;
    assert.equal((await whoami(kc)).authorization, 'Bearer sa-token-2');
  });

  it('brackets an IPv6 service host, and needs both host and port', () => {
    mkdirSync(saDir, { recursive: true });
    const kc = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: saDir });
    assert.equal(kc.getCurrentCluster()?.server, 'https://[fd00::1]:443');
    assert.throws(() => loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, serviceAccountDir: saDir }), /KUBERNETES_SERVICE_PORT must be set/);
  });
});

// A local Kubernetes control plane for development and tests, started from the
// binaries build.sh compiles (etcd, kube-apiserver, and in "full" mode
// kube-controller-manager, kube-scheduler and kwok with one fake Node; in
// "node" mode the same with a real node instead of kwok: see ../node/README.md).
//
// Every process runs under guard.sh, which ends it when this Node process dies
// however it dies, so no part of a plane outlives its test run.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { ensureImage } from '../images/images.ts';
import { NODE_IP, prepareNode, type PreparedNode, type RealNode } from '../node/node.ts';
import { buildScriptOutput } from '../build-script.ts';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

export type PlaneMode = 'api' | 'full' | 'node';

export interface ControlPlaneOptions {
  mode: PlaneMode;
  /** Where to write the admin kubeconfig; a file in the plane's temp dir when absent. */
  kubeconfigPath?: string;
  /** Receives progress lines (never the processes' own output, which goes to log files). */
  log?: (line: string) => void;
  /** Node mode: OCI archives imported into the node's containerd at start (the sandbox image always is). */
  images?: string[];
}

export interface ControlPlane {
  mode: PlaneMode;
  server: string;
  kubeconfigPath: string;
  binDir: string;
  /** Directory holding the processes' logs and state; removed by stop(). */
  dir: string;
  adminKubeConfig(): KubeConfig;
  /** A KubeConfig authenticating as namespace/name through a TokenRequest (the ServiceAccount must exist). */
  serviceAccountKubeConfig(namespace: string, name: string): Promise<KubeConfig>;
  /** Runs the pinned kubectl as admin; rejects with its stderr on a non-zero exit. */
  kubectl(args: string[], input?: string): Promise<string>;
  /** Node mode only: the real node (image import, ctr). */
  node?: RealNode;
  /**
   * Stops one of the plane's processes (SIGTERM, as a rolling restart would;
   * SIGKILL with `kill`), waits `downMs`, starts it again with the same
   * arguments and data, and resolves once the API server is ready again.
   * For fault injection: "etcd", "kube-apiserver", "kube-controller-manager"...
   */
  restart(name: string, opts?: { downMs?: number; kill?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export const SERVICE_CIDR = '10.96.0.0/16';
export const POD_CIDR = '10.244.0.0/16';
export const FAKE_NODE = 'kwok-node-0';

/** Compiles what is missing (no-op when cached) and returns the cache's bin directory. */
export async function ensureBinaries(log: (line: string) => void = () => {}): Promise<string> {
  if (process.env.CHATCLI_CP_BIN) return process.env.CHATCLI_CP_BIN;
  return await buildScriptOutput(join(here, 'build.sh'), [], log);
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface Pki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
  /** The API server's client certificate toward kubelets. */
  kubeletClientCert: string;
  kubeletClientKey: string;
}

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args);
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Issues a certificate (and its key) signed by the plane's CA; `ext` holds openssl x509 extensions. */
async function issueCert(ca: { cert: string; key: string }, cert: string, key: string, subj: string, ext: string): Promise<void> {
  const csr = `${cert}.csr`;
  const extFile = `${cert}.ext`;
  await writeFile(extFile, ext);
  await openssl(['req', '-new', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', subj]);
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', '3650', '-extfile', extFile]);
}

/**
 * A CA, a serving cert for 127.0.0.1 (and `extraIps`), a system:masters admin client cert,
 * the API server's client cert toward kubelets, a ServiceAccount signing key.
 */
async function makePki(dir: string, extraIps: string[] = []): Promise<Pki> {
  const p = (f: string) => join(dir, f);
  const pki: Pki = {
    caCert: p('ca.crt'), caKey: p('ca.key'),
    servingCert: p('serving.crt'), servingKey: p('serving.key'),
    adminCert: p('admin.crt'), adminKey: p('admin.key'),
    saKey: p('sa.key'), saPub: p('sa.pub'),
    kubeletClientCert: p('kubelet-client.crt'), kubeletClientKey: p('kubelet-client.key'),
  };
  await openssl(['req', '-x509', ...EC_KEY, '-keyout', pki.caKey, '-out', pki.caCert, '-days', '3650', '-subj', '/CN=chatcli-local-ca']);
  const sign = async (cert: string, key: string, subj: string, ext: string) =>
    await issueCert({ cert: pki.caCert, key: pki.caKey }, cert, key, subj, ext);
  const ips = ['127.0.0.1', ...extraIps].map((ip) => `IP:${ip}`).join(',');
  await sign(pki.servingCert, pki.servingKey, '/CN=kube-apiserver',
    `subjectAltName=${ips},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.96.0.1\nextendedKeyUsage=serverAuth\n`);
  await sign(pki.adminCert, pki.adminKey, '/O=system:masters/CN=chatcli-admin', 'extendedKeyUsage=clientAuth\n');
  if (extraIps.length) {
    await sign(pki.kubeletClientCert, pki.kubeletClientKey, '/O=system:masters/CN=kube-apiserver-kubelet-client', 'extendedKeyUsage=clientAuth\n');
  }
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(pki.saKey, sa.privateKey.export({ type: 'pkcs1', format: 'pem' }));
  await writeFile(pki.saPub, sa.publicKey.export({ type: 'spki', format: 'pem' }));
  return pki;
}

function kubeconfigYaml(server: string, pki: { ca: string; cert?: string; key?: string; token?: string }, user: string): string {
  const userEntry = pki.token
    ? { token: pki.token }
    : { 'client-certificate': pki.cert, 'client-key': pki.key };
  // JSON is valid YAML: kubectl and client-node read it as a kubeconfig.
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority': pki.ca } }],
    users: [{ name: user, user: userEntry }],
    contexts: [{ name: 'local', context: { cluster: 'local', user } }],
    'current-context': 'local',
  }, null, 2);
}

interface Supervised {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

function supervise(name: string, bin: string, args: string[], logFile: string): Supervised {
  const out = createWriteStream(logFile, { flags: 'a' });
  // guard.sh ends the process when we die, even by SIGKILL.
  // Its own process group, so that killing the group takes the server with it.
  const child = spawn('bash', [join(here, 'guard.sh'), String(process.pid), bin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name, child, exited };
}

async function stopProcess(p: Supervised, graceMs = 6000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  // guard.sh TERMs the server and KILLs it after 5 s; past that, kill the guard's
  // whole group: killing the guard alone would leave the server running, orphaned.
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    try {
      if (p.child.pid) process.kill(-p.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, graceMs);
  await p.exited;
  clearTimeout(timer);
}

async function tail(file: string, lines = 25): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Polls until check() resolves true, failing early when one of the processes has exited. */
async function waitFor(what: string, check: () => Promise<boolean>, procs: Supervised[], logs: Record<string, string>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = procs.find((p) => p.child.exitCode !== null);
    if (dead) throw new Error(`${dead.name} exited with ${dead.child.exitCode} while waiting for ${what}:\n${await tail(logs[dead.name] ?? '')}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const binDir = await ensureBinaries(log);
  const bin = (n: string) => join(binDir, n);
  const dir = await mkdtemp(join(tmpdir(), 'chatcli-cp-'));
  const procs: Supervised[] = [];
  const logs: Record<string, string> = {};
  // How each process was started, for restart().
  const commands = new Map<string, { binPath: string; args: string[] }>();
  const start = (name: string, args: string[], binPath = bin(name)) => {
    logs[name] = join(dir, `${name}.log`);
    commands.set(name, { binPath, args });
    const p = supervise(name, binPath, args, logs[name]);
    procs.push(p);
    return p;
  };
  let prepared: PreparedNode | undefined;
  let node: RealNode | undefined;
  const stopAll = async () => {
    // The node first (its pods need the API server and must not be recreated meanwhile).
    for (const name of ['kube-controller-manager', 'kube-scheduler']) {
      const p = procs.find((q) => q.name === name);
      if (node && p) await stopProcess(p);
    }
    try {
      if (node) await node.stop();
      else if (prepared) await prepared.abort();
    } finally {
      // Whatever the node's stop did, the control plane's processes go too.
      for (const p of [...procs].reverse()) await stopProcess(p);
    }
  };
  // On exit there is no time to wait: kill each guard's whole group (guard and server).
  const onExit = () => procs.forEach((p) => {
    try {
      if (p.child.pid) process.kill(-p.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  process.once('exit', onExit);

  try {
    // Node mode: the API server binds and advertises the node's bridge address,
    // which pods reach; so the bridge comes first (containerd starts meanwhile).
    const host = opts.mode === 'node' ? NODE_IP : '127.0.0.1';
    const pki = await makePki(dir, opts.mode === 'node' ? [NODE_IP] : []);
    if (opts.mode === 'node') {
      const sandbox = await ensureImage('pause', { log });
      prepared = await prepareNode({
        binDir, log, caCert: pki.caCert, start, stopProcess,
        waitFor: (what, check, timeoutMs) => waitFor(what, check, procs, logs, timeoutMs),
        issueCert: (cert, key, subj, ext) => issueCert({ cert: pki.caCert, key: pki.caKey }, cert, key, subj, ext),
        freePort: () => freePort(),
      }, { sandboxArchive: sandbox.archive, images: opts.images });
    }
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort(host)];
    start('etcd', [
      '--name=default', `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`, `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`, '--unsafe-no-fsync', '--log-level=warn',
    ]);
    const server = `https://${host}:${apiPort}`;
    start('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--secure-port=${apiPort}`, `--bind-address=${host}`, `--advertise-address=${host}`,
      `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.saPub}`, `--service-account-signing-key-file=${pki.saKey}`,
      '--allow-privileged=true', `--cert-dir=${join(dir, 'apiserver-certs')}`,
      // API Priority and Fairness on, as every real cluster runs it: measured
      // figures (bench, chaos) include its cost and its 429s, and the operator's
      // ServiceAccount is held to the workload-low share as in production.
      '--enable-priority-and-fairness=true', '--v=0',
      ...(opts.mode === 'node'
        ? [
            // A real node's security: kubelets limited to their own node's objects.
            '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction',
            `--kubelet-client-certificate=${pki.kubeletClientCert}`, `--kubelet-client-key=${pki.kubeletClientKey}`,
            `--kubelet-certificate-authority=${pki.caCert}`,
            // kubectl logs/exec reach the kubelet at its address, never through DNS.
            '--kubelet-preferred-address-types=InternalIP,Hostname',
            // The default lease reconciler keeps the kubernetes Service's endpoint at the advertised address.
          ]
        : ['--authorization-mode=RBAC', '--endpoint-reconciler-type=none']),
    ]);
    const kubeconfigPath = opts.kubeconfigPath ?? join(dir, 'admin.kubeconfig');
    await mkdir(dirname(kubeconfigPath), { recursive: true });
    await writeFile(kubeconfigPath, kubeconfigYaml(server, { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey }, 'admin'), { mode: 0o600 });
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);

    const kubectl = async (args: string[], input?: string): Promise<string> =>
      await new Promise((resolve, reject) => {
        const child = execFile(bin('kubectl'), [`--kubeconfig=${kubeconfigPath}`, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
          err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr.trim() || err.message}`)) : resolve(stdout),
        );
        if (input !== undefined) child.stdin?.end(input);
      });

    await waitFor('kube-apiserver /readyz', async () => (await kubectl(['get', '--raw=/readyz'])).trim() === 'ok', procs, logs);
    log(`[controlplane] kube-apiserver ready at ${server} after ${Date.now() - started} ms`);

    if (opts.mode === 'full' || opts.mode === 'node') {
      const [kcmPort, schedPort] = [await freePort(), await freePort()];
      start('kube-controller-manager', [
        `--kubeconfig=${kubeconfigPath}`, '--leader-elect=false', `--secure-port=${kcmPort}`, '--bind-address=127.0.0.1',
        `--service-account-private-key-file=${pki.saKey}`, `--root-ca-file=${pki.caCert}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`, `--cluster-cidr=${POD_CIDR}`,
        // Full mode: dynamic provisioning for PersistentVolumeClaims (StorageClass "standard", below).
        // Node mode: the node's own provisioner (../node/provisioner.ts) serves that class.
        ...(opts.mode === 'full' ? ['--enable-hostpath-provisioner=true'] : []),
        '--concurrent-deployment-syncs=10', '--concurrent-replicaset-syncs=10', '--concurrent-gc-syncs=40',
        '--kube-api-qps=500', '--kube-api-burst=1000', '--v=0',
      ]);
      start('kube-scheduler', [
        `--kubeconfig=${kubeconfigPath}`, '--leader-elect=false', `--secure-port=${schedPort}`, '--bind-address=127.0.0.1',
        '--kube-api-qps=500', '--kube-api-burst=1000', '--v=0',
      ]);
    }
    if (opts.mode === 'node' && prepared) {
      node = await prepared.join({ server, kubectl, adminKubeConfig: () => kc });
      await waitFor('default ServiceAccount', async () => (await kubectl(['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name'])).trim() !== '', procs, logs);
      log(`[controlplane] node plane ready (controller-manager, scheduler, real node) after ${Date.now() - started} ms`);
    }
    if (opts.mode === 'full') {
      const kwokPort = await freePort();
      const kwokConfig = join(dir, 'kwok.yaml');
      const stages = await readFile(join(binDir, '..', 'kwok-stages', 'stages.yaml'), 'utf8');
      await writeFile(kwokConfig, [
        'apiVersion: config.kwok.x-k8s.io/v1alpha1',
        'kind: KwokConfiguration',
        'options:',
        `  cidr: ${POD_CIDR}`,
        '  nodeIP: 10.244.0.1',
        '  manageAllNodes: false',
        '  manageNodesWithAnnotationSelector: kwok.x-k8s.io/node=fake',
        '  nodeLeaseDurationSeconds: 40',
        // kwok's own command leaves these at 0 (kwokctl fills them); 0 is refused.
        '  nodeLeaseParallelism: 4',
        '  nodePlayStageParallelism: 4',
        '  podPlayStageParallelism: 16',
        '  podsOnNodeSyncParallelism: 4',
        stages,
      ].join('\n'));
      start('kwok', [`--kubeconfig=${kubeconfigPath}`, `--config=${kwokConfig}`, `--server-address=127.0.0.1:${kwokPort}`]);
      await kubectl(['apply', '-f', '-'], JSON.stringify(fakeNode()));
      await kubectl(['apply', '-f', '-'], JSON.stringify(defaultStorageClass()));
      await waitFor(`node ${FAKE_NODE} Ready`, async () =>
        (await kubectl(['get', 'node', FAKE_NODE, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])) === 'True', procs, logs);
      await waitFor('default ServiceAccount', async () => (await kubectl(['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name'])).trim() !== '', procs, logs);
      log(`[controlplane] full plane ready (controller-manager, scheduler, kwok node) after ${Date.now() - started} ms`);
    }

    let stopped = false;
    return {
      mode: opts.mode,
      server,
      kubeconfigPath,
      binDir,
      dir,
      adminKubeConfig: () => {
        const copy = new KubeConfig();
        copy.loadFromFile(kubeconfigPath);
        return copy;
      },
      serviceAccountKubeConfig: async (namespace, name) => {
        const out = await kubectl(['create', 'token', name, '-n', namespace, '--duration=24h']);
        const sa = new KubeConfig();
        sa.loadFromString(kubeconfigYaml(server, { ca: pki.caCert, token: out.trim() }, `${namespace}-${name}`));
        return sa;
      },
      kubectl,
      node,
      restart: async (name, { downMs = 0, kill = false } = {}) => {
        const i = procs.findIndex((p) => p.name === name);
        const command = commands.get(name);
        if (i < 0 || !command || stopped) throw new Error(`restart: no running process ${name} in this plane`);
        await stopProcess(procs[i]!, kill ? 0 : undefined);
        if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
        procs[i] = supervise(name, command.binPath, command.args, logs[name]!);
        await waitFor(`kube-apiserver /readyz after restarting ${name}`, async () => (await kubectl(['get', '--raw=/readyz'])).trim() === 'ok', procs, logs, 120_000);
        log(`[controlplane] ${name} restarted`);
      },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', onExit);
        await stopAll();
        if (!process.env.CHATCLI_CP_KEEP) await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll();
    process.removeListener('exit', onExit);
    throw err;
  }
}

/** The default StorageClass: claims get hostPath volumes from the controller-manager's development provisioner. */
function defaultStorageClass() {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'kubernetes.io/host-path',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  };
}

function fakeNode() {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: FAKE_NODE,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': FAKE_NODE, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
    },
    spec: {},
    status: {
      allocatable: { cpu: '64', memory: '256Gi', pods: '2000' },
      capacity: { cpu: '64', memory: '256Gi', pods: '2000' },
      nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', kubeletVersion: 'fake', kubeProxyVersion: 'fake' },
    },
  };
}

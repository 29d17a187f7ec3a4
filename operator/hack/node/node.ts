// A real Kubernetes node on this machine, for the control plane's "node" mode:
// containerd (+ runc, CNI bridge) with locally built images imported, the
// kubelet and kube-proxy built with the plane, and a local-path provisioner.
//
// The plane calls prepareNode() before it starts the API server (the node's
// address must exist for the server to bind it; containerd starts and imports
// images meanwhile), then join() once the API server answers. Every process
// runs under the plane's guard.sh; janitor.sh + cleanup.sh remove what a killed
// run leaves, and the next start removes anything still there.
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { cniConflist, containerdConfig, kubeletConfig, kubeProxyConfig, registryHostsToml } from './config.ts';
import { claimNodeHost, type NodeHost } from './host.ts';
import { NODE_IP, NODE_NAME, paths } from './layout.ts';
import { defaultStorageClass, startProvisioner, type Provisioner } from './provisioner.ts';

export { NODE_IP, NODE_NAME };
const run = promisify(execFile);

interface Process {
  name: string;
  child: ChildProcess;
}

/** What the plane lends the node: its process supervision, its CA, its waiting. */
export interface NodeDeps {
  binDir: string;
  log: (line: string) => void;
  /** Starts `bin` under guard.sh, its output in the plane's <name>.log. */
  start(name: string, args: string[], bin: string): Process;
  stopProcess(p: Process): Promise<void>;
  /** Polls until check() holds, failing early when a supervised process died. */
  waitFor(what: string, check: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  /** Issues a certificate signed by the cluster CA. */
  issueCert(cert: string, key: string, subject: string, extensions: string): Promise<void>;
  caCert: string;
  freePort(): Promise<number>;
}

export interface JoinContext {
  server: string;
  kubectl(args: string[], input?: string): Promise<string>;
  adminKubeConfig(): KubeConfig;
}

export interface RealNode {
  name: string;
  /** Imports OCI archives into containerd's k8s.io namespace; returns the image names they carried. */
  importImages(archives: string[]): Promise<string[]>;
  /** Runs ctr against the node's containerd (namespace k8s.io). */
  ctr(args: string[]): Promise<string>;
  /** Lets containerd pull from an HTTPS registry at `host[:port]` whose certificate `caPem` signs. */
  trustRegistry(host: string, caPem: string): Promise<void>;
  /** Deletes every pod and waits for their sandboxes, stops the node's processes, cleans the machine. */
  stop(): Promise<void>;
}

export interface PreparedNode {
  join(ctx: JoinContext): Promise<RealNode>;
  /** For a plane that failed before join: stops what was started and cleans the machine. */
  abort(): Promise<void>;
}

/** Claims the machine (lock, leftovers, bridge, rules), starts containerd and imports the archives. */
export async function prepareNode(deps: NodeDeps, opts: { sandboxArchive: string; images?: string[] }): Promise<PreparedNode> {
  const started = Date.now();
  const host = await claimNodeHost(deps.log);
  const procs: Process[] = [];
  const stopProcs = async () => {
    for (const p of [...procs].reverse()) await deps.stopProcess(p);
  };
  try {
    const [sandboxImage] = await imageNames(opts.sandboxArchive);
    if (!sandboxImage) throw new Error(`${opts.sandboxArchive} names no image`);
    for (const d of [paths.cniConfDir, paths.cniIpamDir, paths.kubeletRoot, paths.podLogs, paths.pki, paths.volumes, paths.containerdRoot]) {
      await mkdir(d, { recursive: true, mode: 0o700 });
    }
    await writeFile(paths.containerdConfig, containerdConfig(sandboxImage));
    await writeFile(join(paths.cniConfDir, '10-chatcli.conflist'), cniConflist());
    // No DNS: with no nameserver at all containerd would copy the machine's own
    // resolv.conf into pods; the pod's own loopback answers nothing.
    await writeFile(paths.resolvConf, '# The node plane has no DNS: nothing answers here and nothing outside is asked.\nnameserver 127.0.0.1\n');
    procs.push(deps.start('containerd', ['--config', paths.containerdConfig], '/usr/bin/containerd'));
    const ctr = async (args: string[]) => (await run('ctr', ['--address', paths.containerdSocket, '--namespace', 'k8s.io', ...args], { maxBuffer: 64 << 20 })).stdout;
    const importImages = async (archives: string[]) => {
      const names: string[] = [];
      for (const archive of archives) {
        const t = Date.now();
        names.push(...(await imageNames(archive)));
        await ctr(['images', 'import', archive]);
        deps.log(`[node] imported ${archive} in ${Date.now() - t} ms`);
      }
      return names;
    };
    // Runs while the API server starts; join() waits for it.
    const runtimeReady = (async () => {
      await deps.waitFor('containerd', async () => (await ctr(['version'])).includes('Server'), 30_000);
      await importImages([opts.sandboxArchive, ...(opts.images ?? [])]);
      await issueNodeCerts(deps);
      deps.log(`[node] containerd ready, images imported after ${Date.now() - started} ms`);
    })();
    runtimeReady.catch(() => {}); // awaited in join(); never an unhandled rejection meanwhile

    return {
      abort: async () => {
        await stopProcs();
        await host.release();
      },
      join: async (ctx) => {
        await runtimeReady;
        return await joinNode(deps, ctx, { host, procs, stopProcs, ctr, importImages, started });
      },
    };
  } catch (err) {
    await stopProcs();
    await host.release();
    throw err;
  }
}

async function joinNode(deps: NodeDeps, ctx: JoinContext, node: {
  host: NodeHost;
  procs: Process[];
  stopProcs: () => Promise<void>;
  ctr: (args: string[]) => Promise<string>;
  importImages: (archives: string[]) => Promise<string[]>;
  started: number;
}): Promise<RealNode> {
  const pki = (f: string) => join(paths.pki, f);
  await writeFile(paths.kubeletKubeconfig, kubeconfig(ctx.server, deps.caCert, pki('kubelet-client.crt'), pki('kubelet-client.key')), { mode: 0o600 });
  await writeFile(paths.kubeProxyKubeconfig, kubeconfig(ctx.server, deps.caCert, pki('kube-proxy.crt'), pki('kube-proxy.key')), { mode: 0o600 });
  const [kubeletHealthz, proxyHealthz, proxyMetrics] = [await deps.freePort(), await deps.freePort(), await deps.freePort()];
  await writeFile(paths.kubeletConfig, kubeletConfig({
    clientCaFile: deps.caCert, tlsCertFile: pki('kubelet-serving.crt'), tlsKeyFile: pki('kubelet-serving.key'), healthzPort: kubeletHealthz,
  }));
  await writeFile(paths.kubeProxyConfig, kubeProxyConfig({ kubeconfig: paths.kubeProxyKubeconfig, healthzPort: proxyHealthz, metricsPort: proxyMetrics }));
  node.procs.push(deps.start('kubelet', [
    `--config=${paths.kubeletConfig}`, `--kubeconfig=${paths.kubeletKubeconfig}`,
    `--hostname-override=${NODE_NAME}`, `--node-ip=${NODE_IP}`,
    `--root-dir=${paths.kubeletRoot}`, `--cert-dir=${paths.pki}`, '--v=1',
  ], join(deps.binDir, 'kubelet')));
  node.procs.push(deps.start('kube-proxy', [`--config=${paths.kubeProxyConfig}`, '--v=1'], join(deps.binDir, 'kube-proxy')));
  await ctx.kubectl(['apply', '-f', '-'], JSON.stringify(defaultStorageClass()));
  const provisioner: Provisioner = startProvisioner(ctx.adminKubeConfig(), { nodeName: NODE_NAME, volumesDir: paths.volumes, log: deps.log });
  try {
    await deps.waitFor(`node ${NODE_NAME} Ready`, async () =>
      (await ctx.kubectl(['get', 'node', NODE_NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])) === 'True', 90_000);
  } catch (err) {
    await provisioner.stop();
    await node.stopProcs();
    await node.host.release();
    throw err;
  }
  deps.log(`[node] ${NODE_NAME} Ready after ${Date.now() - node.started} ms`);

  let stopped = false;
  return {
    name: NODE_NAME,
    importImages: node.importImages,
    ctr: node.ctr,
    trustRegistry: async (host, caPem) => {
      const dir = join(paths.registryHosts, host);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'ca.crt'), caPem);
      await writeFile(join(dir, 'hosts.toml'), registryHostsToml(host, join(dir, 'ca.crt')));
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const t = Date.now();
      const steps: string[] = [];
      const step = (name: string) => steps.push(`${name} ${Date.now() - t}`);
      await provisioner.stop();
      step('provisioner');
      try {
        await drain(ctx, node.ctr, deps.log);
        step('drain');
      } finally {
        await node.stopProcs();
        step('processes');
        await node.host.release();
        step('cleanup');
      }
      deps.log(`[node] stopped and cleaned in ${Date.now() - t} ms (${steps.join(', ')})`);
    },
  };
}

/** Deletes every pod and waits for the kubelet to stop their sandboxes (so CNI tears their network down). */
async function drain(ctx: JoinContext, ctr: (args: string[]) => Promise<string>, log: (line: string) => void): Promise<void> {
  await ctx.kubectl(['delete', 'pods', '--all', '--all-namespaces', '--grace-period=1', '--wait=false']);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const pods = (await ctx.kubectl(['get', 'pods', '--all-namespaces', '-o', 'name']).catch(() => '')).trim();
    const tasks = (await ctr(['tasks', 'ls', '-q']).catch(() => '')).trim();
    if (!pods && !tasks) return;
    if (Date.now() > deadline) {
      log(`[node] pods or sandboxes still there after 30 s, cleaning up anyway: ${pods.split('\n').length} pods, ${tasks ? tasks.split('\n').length : 0} tasks`);
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The kubelet's client (system:node:<name>) and serving certificates, kube-proxy's client certificate. */
async function issueNodeCerts(deps: NodeDeps): Promise<void> {
  const pki = (f: string) => join(paths.pki, f);
  await deps.issueCert(pki('kubelet-client.crt'), pki('kubelet-client.key'), `/O=system:nodes/CN=system:node:${NODE_NAME}`, 'extendedKeyUsage=clientAuth\n');
  await deps.issueCert(pki('kubelet-serving.crt'), pki('kubelet-serving.key'), `/CN=${NODE_NAME}`,
    `subjectAltName=IP:${NODE_IP},DNS:${NODE_NAME}\nextendedKeyUsage=serverAuth\n`);
  await deps.issueCert(pki('kube-proxy.crt'), pki('kube-proxy.key'), '/CN=system:kube-proxy', 'extendedKeyUsage=clientAuth\n');
}

function kubeconfig(server: string, ca: string, cert: string, key: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority': ca } }],
    users: [{ name: 'node', user: { 'client-certificate': cert, 'client-key': key } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: 'node' } }],
    'current-context': 'local',
  }, null, 2);
}

/** The image names an OCI archive carries (index.json annotations); ctr import gives them these names. */
export async function imageNames(archive: string): Promise<string[]> {
  // Archives differ in whether member names start with "./".
  const { stdout } = await run('tar', ['-xOf', archive, 'index.json'])
    .catch(async () => await run('tar', ['-xOf', archive, './index.json']))
    .catch((err: Error) => {
      throw new Error(`${archive} is not an OCI archive with an index.json: ${err.message}`, { cause: err });
    });
  const index = JSON.parse(stdout) as { manifests?: { annotations?: Record<string, string> }[] };
  const names = (index.manifests ?? []).map((m) => m.annotations?.['io.containerd.image.name'] ?? m.annotations?.['org.opencontainers.image.ref.name'] ?? '');
  const partial = names.filter((n) => !n.includes('/') || !n.includes(':'));
  if (partial.length) throw new Error(`${archive}: image names must be full references (registry/name:tag), found ${partial.join(', ')}`);
  return names;
}

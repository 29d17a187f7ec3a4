// The machine side of the node: one node plane per machine (a lock), leftovers
// of a killed run removed first, the host's state recorded so cleanup can put
// it back, the bridge and the rule that keeps pod traffic local, and a janitor
// that cleans up after this process however it dies.
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { nftRules } from './config.ts';
import { BRIDGE, LOCK_FILE, NFT_TABLE, NODE_IP, NODE_POD_SUBNET, SERVICE_CIDR, STATE_DIR, layoutEnv, paths } from './layout.ts';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** Kernel settings the kubelet, kube-proxy or the node change; cleanup.sh puts back what was there. */
const SAVED_SYSCTLS = [
  'net.ipv4.ip_forward', 'net.ipv4.conf.all.route_localnet',
  'net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables',
  'kernel.panic', 'kernel.panic_on_oops', 'vm.overcommit_memory', 'vm.panic_on_oom',
  'kernel.keys.root_maxkeys', 'kernel.keys.root_maxbytes',
];
/**
 * Directories the kubelet, CNI and containerd's shims create outside ours whatever
 * they are told (device-plugin socket, shim sockets): removed at cleanup unless
 * they were there before (cleanup.sh then removes only our files in them).
 */
const FOREIGN_DIRS = ['/var/log/containers', '/var/lib/cni', '/var/lib/kubelet', '/var/lib/kubelet/device-plugins', '/run/containerd', '/run/containerd/s'];
/** What the node needs from the machine (hack/node/install-deps.sh installs the packages). */
const REQUIRED = ['/usr/bin/containerd', '/usr/bin/containerd-shim-runc-v2', '/usr/sbin/runc', '/usr/bin/ctr',
  '/usr/lib/cni/bridge', '/usr/lib/cni/host-local', '/usr/lib/cni/loopback', '/usr/lib/cni/portmap'];

export interface NodeHost {
  /** Runs cleanup.sh, ends the janitor and frees the lock. */
  release(): Promise<void>;
}

/** Runs cleanup.sh; its findings (what it could not remove) go to `log`. */
export async function runCleanup(log: (line: string) => void = () => {}): Promise<void> {
  try {
    const { stderr } = await run('bash', [join(here, 'cleanup.sh')], { env: { ...process.env, ...layoutEnv() } });
    stderr.split('\n').filter(Boolean).forEach((l) => log(l));
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`hack/node/cleanup.sh failed: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

export async function claimNodeHost(log: (line: string) => void): Promise<NodeHost> {
  await preflight();
  takeLock();
  let janitor: ReturnType<typeof spawn> | undefined;
  try {
    const t = Date.now();
    await runCleanup(log);
    log(`[node] leftovers of earlier runs cleaned in ${Date.now() - t} ms`);
    await recordHost();
    for (const s of ['net.ipv4.ip_forward=1', 'net.bridge.bridge-nf-call-iptables=1']) await run('sysctl', ['-q', '-w', s]);
    await run('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    await run('ip', ['addr', 'add', `${NODE_IP}/${NODE_POD_SUBNET.split('/')[1]}`, 'dev', BRIDGE]);
    await run('ip', ['link', 'set', BRIDGE, 'up']);
    // The host reaches ClusterIPs (kube-proxy DNATs them to pods) from the bridge's
    // address, which pods route back to; without this the default route would pick
    // an outward source address and the replies would be dropped. Goes with the bridge.
    await run('ip', ['route', 'add', SERVICE_CIDR, 'dev', BRIDGE, 'src', NODE_IP]);
    await nft(nftRules(NFT_TABLE));
    janitor = spawn('bash', [join(here, 'janitor.sh'), String(process.pid)], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, ...layoutEnv() },
    });
    janitor.unref();
  } catch (err) {
    await runCleanup(log).catch(() => {});
    await rm(LOCK_FILE, { force: true });
    throw err;
  }
  return {
    release: async () => {
      try {
        await runCleanup(log);
      } finally {
        if (janitor?.pid) {
          try {
            process.kill(janitor.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        await rm(LOCK_FILE, { force: true });
      }
    },
  };
}

async function preflight(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the node plane needs root (it makes a bridge, nftables rules, cgroups and mounts)');
  const missing = REQUIRED.filter((f) => !existsSync(f));
  for (const tool of ['nft', 'ip', 'iptables', 'conntrack', 'openssl']) {
    await run('sh', ['-c', `command -v ${tool}`]).catch(() => missing.push(tool));
  }
  if (missing.length) throw new Error(`the node plane needs ${missing.join(', ')}: run operator/hack/node/install-deps.sh`);
  if (!existsSync('/sys/fs/cgroup/memory') && !existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    throw new Error('no memory cgroup controller mounted under /sys/fs/cgroup');
  }
}

/** One node plane per machine: the lock file holds the owner's pid; a dead owner's lock is taken over. */
function takeLock(): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(LOCK_FILE, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(readFileSyncSafe(LOCK_FILE));
    if (owner && alive(owner)) {
      throw new Error(`a node plane is already running on this machine (pid ${owner}, lock ${LOCK_FILE}); ` +
        'only one can run at a time (fixed bridge and paths): stop it first (make cluster-down)');
    }
    // The owner died without cleaning up: its janitor or our cleanup removes the leftovers.
    rmSync(LOCK_FILE, { force: true });
  }
  throw new Error(`could not take ${LOCK_FILE}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readFileSyncSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/** What cleanup.sh must put back: sysctl values, the nftables tables and directories already there. */
async function recordHost(): Promise<void> {
  await mkdir(STATE_DIR, { recursive: true, mode: 0o700 });
  const lines: string[] = [];
  for (const key of SAVED_SYSCTLS) {
    const file = `/proc/sys/${key.replaceAll('.', '/')}`;
    const value = await readFile(file, 'utf8').then((v) => v.trim().replace(/\s+/g, ' '), () => undefined);
    // Multi-valued sysctls are not among these; skip what this kernel lacks.
    if (value !== undefined && !value.includes(' ')) lines.push(`sysctl ${key} ${value}`);
  }
  const { stdout } = await run('nft', ['list', 'tables']);
  for (const line of stdout.split('\n')) {
    const m = /^table (\S+) (\S+)$/.exec(line.trim());
    if (m) lines.push(`nft-table ${m[1]} ${m[2]}`);
  }
  for (const d of FOREIGN_DIRS) lines.push(`dir ${d} ${existsSync(d) ? 'existed' : 'absent'}`);
  await writeFile(paths.hostBefore, lines.join('\n') + '\n');
}

async function nft(rules: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('nft', ['-f', '-'], (err, _out, stderr) => (err ? reject(new Error(`nft: ${stderr.trim() || err.message}`)) : resolve()));
    child.stdin?.end(rules);
  });
}

// Helpers for the real-node tier: pods from the probe image, waiting on their
// phase, and a snapshot of what the node plane may leave on the machine.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { promisify } from 'node:util';
import type { ControlPlane } from '../../hack/controlplane/controlplane.ts';
import { BRIDGE, RUN_DIR, STATE_DIR } from '../../hack/node/layout.ts';
import { eventually } from './wait.ts';

const run = promisify(execFile);

/** The probe image's name (hack/images): `probe serve|get|write|sleep|echo|id`. */
export const PROBE = 'localhost/chatcli-dev/probe:v1';

/** A restricted-compliant container security context (Pod Security "restricted"). */
export const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
};

export async function createNamespace(plane: ControlPlane, name: string, labels: Record<string, string> = {}): Promise<void> {
  await plane.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }));
  await eventually(`ServiceAccount ${name}/default`, async () =>
    (await plane.kubectl(['get', 'serviceaccount', 'default', '-n', name, '-o', 'name'])).trim() !== '');
}

/** Applies any objects (JSON through kubectl apply). */
export async function apply(plane: ControlPlane, ...objects: object[]): Promise<void> {
  await plane.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
}

/** A pod of the probe image running `probe <args>` once (restartPolicy Never), restricted-compliant. */
export function probePod(namespace: string, name: string, args: string[], extra: { pod?: object; container?: object } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 1,
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'probe', image: PROBE, imagePullPolicy: 'Never', args, securityContext: RESTRICTED_CONTAINER, ...extra.container }],
      ...extra.pod,
    },
  };
}

export async function podJson(plane: ControlPlane, namespace: string, name: string): Promise<PodView> {
  return JSON.parse(await plane.kubectl(['get', 'pod', name, '-n', namespace, '-o', 'json'])) as PodView;
}

export interface PodView {
  metadata: { uid: string };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    containerStatuses?: {
      name: string;
      containerID?: string;
      state?: { waiting?: { reason?: string; message?: string }; terminated?: { exitCode: number; reason?: string } };
    }[];
  };
}

/** Waits until the pod reaches one of `phases`; returns it. Fails at once on a phase it cannot leave. */
export async function waitForPhase(plane: ControlPlane, namespace: string, name: string, phases: string[], timeoutMs = 60_000): Promise<PodView> {
  let pod: PodView | undefined;
  await eventually(`pod ${namespace}/${name} in ${phases.join('|')}`, async () => {
    pod = await podJson(plane, namespace, name);
    const phase = pod.status.phase ?? '';
    if (!phases.includes(phase) && (phase === 'Succeeded' || phase === 'Failed')) {
      const logs = await plane.kubectl(['logs', name, '-n', namespace, '--all-containers']).catch((e: Error) => e.message);
      throw new Error(`pod ${namespace}/${name} ended ${phase}: ${JSON.stringify(pod.status.containerStatuses)}\n${logs}`);
    }
    return phases.includes(phase);
  }, timeoutMs, 250);
  return pod as PodView;
}

/**
 * Waits for what a call through a Service needs: its EndpointSlices list ready
 * endpoints, each one an address of `podIPs()` (the pods that must serve, Ready
 * now), and its ClusterIP accepts a TCP connection on `port` (kube-proxy has
 * programmed them). A pod Ready a moment ago is not yet an endpoint, and a new
 * endpoint is not yet a rule.
 */
export async function waitForServiceEndpoints(
  plane: ControlPlane, namespace: string, service: string, podIPs: () => Promise<Set<string | undefined>>, clusterIP: string, port: number,
): Promise<void> {
  let last = '';
  await eventually(`the endpoints of Service ${namespace}/${service}`, async () => {
    const ips = await podIPs();
    const slices = JSON.parse(await plane.kubectl(['get', 'endpointslices', '-n', namespace, '-l', `kubernetes.io/service-name=${service}`, '-o', 'json'])) as
      { items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[] };
    const ready = slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses);
    last = `pods ${[...ips].join(',')}, ready endpoints ${ready.join(',')}`;
    return ready.length > 0 && ready.every((a) => ips.has(a));
  }, 60_000, 250).catch((err: Error) => {
    throw new Error(`${err.message} (${last})`);
  });
  await eventually(`a TCP connection to ${clusterIP}:${port}`, () => new Promise<boolean>((resolve) => {
    const socket = netConnect({ host: clusterIP, port, timeout: 2000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  }), 30_000, 250);
}

export async function logs(plane: ControlPlane, namespace: string, name: string, container?: string): Promise<string> {
  return await plane.kubectl(['logs', name, '-n', namespace, ...(container ? ['-c', container] : [])]);
}

/** Runs `probe <args>` in a fresh pod to completion; returns its exit code and output. */
export async function runProbe(plane: ControlPlane, namespace: string, name: string, args: string[], extra: { pod?: object; container?: object } = {}): Promise<{ exitCode: number; output: string }> {
  await apply(plane, probePod(namespace, name, args, extra));
  const pod = await waitForPhase(plane, namespace, name, ['Succeeded', 'Failed'], 90_000);
  const exitCode = pod.status.containerStatuses?.[0]?.state?.terminated?.exitCode ?? -1;
  return { exitCode, output: (await logs(plane, namespace, name)).trim() };
}

/**
 * What a node plane could leave on the machine. Two snapshots, before a start
 * and after a stop, must be equal.
 */
export interface HostSnapshot {
  processes: string[];
  mounts: string[];
  links: string[];
  netns: string[];
  nftables: string;
  iptables: string;
  cgroups: string[];
  sysctls: Record<string, string>;
  paths: Record<string, boolean>;
}

const SYSCTLS = ['net.ipv4.ip_forward', 'net.ipv4.conf.all.route_localnet', 'kernel.panic', 'kernel.panic_on_oops', 'vm.overcommit_memory', 'vm.panic_on_oom'];

export async function hostSnapshot(): Promise<HostSnapshot> {
  const processes: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const line = cmd.replaceAll('\0', ' ');
    if (line.includes(STATE_DIR) || line.includes(`${RUN_DIR}/`)) processes.push(`${pid} ${line}`);
  }
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(STATE_DIR) || m.startsWith(RUN_DIR));
  const links = (await run('ip', ['-o', 'link', 'show'])).stdout.split('\n').map((l) => l.split(':')[1]?.trim() ?? '').filter(Boolean).sort();
  const netns = (await run('ip', ['netns', 'list'])).stdout.split('\n').filter(Boolean).sort();
  const nftables = (await run('nft', ['list', 'ruleset'])).stdout;
  const ipt: string[] = [];
  for (const cmd of ['iptables-save', 'ip6tables-save']) {
    ipt.push((await run(cmd)).stdout.split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/, '')).join('\n'));
  }
  const cgroups: string[] = [];
  for (const ctl of await readdir('/sys/fs/cgroup')) {
    if (existsSync(`/sys/fs/cgroup/${ctl}/kubepods`)) cgroups.push(`${ctl}/kubepods`);
  }
  const sysctls: Record<string, string> = {};
  for (const key of SYSCTLS) sysctls[key] = (await readFile(`/proc/sys/${key.replaceAll('.', '/')}`, 'utf8').catch(() => '?')).trim();
  const paths: Record<string, boolean> = {};
  for (const p of [STATE_DIR, RUN_DIR, '/var/lib/cni', '/var/log/containers', '/var/lib/kubelet', '/run/containerd', '/run/netns', `/sys/class/net/${BRIDGE}`]) {
    paths[p] = existsSync(p);
  }
  // Sockets that containerd's shims and the kubelet make in fixed places.
  for (const dir of ['/run/containerd/s', '/var/lib/kubelet/device-plugins']) {
    for (const f of await readdir(dir).catch(() => [])) paths[`${dir}/${f}`] = true;
  }
  return { processes, mounts, links, netns, nftables, iptables: ipt.join('\n'), cgroups, sysctls, paths };
}

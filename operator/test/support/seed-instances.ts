// The seed's samples as ChatCLIInstances on the real node, and what a test
// reads back from them: their pods, their Service's address, the token from
// their Secret, files on the host (claims and emptyDirs), the watcher targets
// they name. A sample keeps its spec; only its name, namespace and image tag
// change, so each supported ChatCLI version runs every sample side by side.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Watch } from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { ControlPlane } from '../../hack/controlplane/controlplane.ts';
import { paths } from '../../hack/node/layout.ts';
import { STATE_DIR } from '../../src/desired/chatcli.ts';
import { selectorLabels, serviceName, sessionsClaimName } from '../../src/desired/names.ts';
import type { ConnectOptions, ChatCLIProto } from './chatcli-grpc.ts';
import { PROBE, RESTRICTED_CONTAINER, waitForServiceEndpoints } from './node.ts';
import { SAMPLES_DIR, getJson } from './operator.ts';
import { eventually } from './wait.ts';

const run = promisify(execFile);

export const SAMPLES = {
  minimal: 'chatcli_v1alpha1_minimal.yaml',
  singleTarget: 'chatcli_v1alpha1_single_target.yaml',
  multiTarget: 'chatcli_v1alpha1_multi_target.yaml',
  full: 'chatcli_v1alpha1_full.yaml',
} as const;
export type SampleName = keyof typeof SAMPLES;

export interface InstanceSpec {
  provider: string;
  image?: { repository?: string; tag?: string };
  apiKeys?: { name: string };
  server?: { port?: number; tls?: { enabled?: boolean; secretName?: string }; token?: { name: string; key: string } };
  watcher?: { enabled?: boolean; deployment?: string; namespace?: string; interval?: string; targets?: { deployment: string; namespace: string; kind?: string }[] };
  persistence?: { enabled?: boolean };
}
export interface Instance {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; generation?: number };
  spec: InstanceSpec;
  status?: {
    ready?: boolean;
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

/** A seed sample as an instance named `<sample's name>-<suffix>` in `namespace`, running ChatCLI `tag`. */
export function sampleInstance(sample: SampleName, opts: { namespace: string; suffix: string; tag: string }): Instance {
  const doc = parse(readFileSync(join(SAMPLES_DIR, SAMPLES[sample]), 'utf8')) as Instance;
  return {
    ...doc,
    metadata: { name: `${doc.metadata.name}-${opts.suffix}`, namespace: opts.namespace },
    spec: { ...doc.spec, image: { ...doc.spec.image, tag: opts.tag } },
  };
}

/** The Deployments a sample's watcher names ({deployment, namespace}), legacy single target included. */
export function watchedTargets(spec: InstanceSpec): { deployment: string; namespace: string }[] {
  const w = spec.watcher;
  if (!w?.enabled) return [];
  if (w.targets?.length) return w.targets.map(({ deployment, namespace }) => ({ deployment, namespace }));
  return w.deployment ? [{ deployment: w.deployment, namespace: w.namespace ?? 'default' }] : [];
}

/** A Deployment of the probe image serving HTTP on `port`: something real for the watcher to watch (and scrape). */
export function servingDeployment(namespace: string, name: string, replicas: number, port: number): object {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
    spec: {
      replicas, selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 1,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{ name: 'app', image: PROBE, imagePullPolicy: 'Never', args: ['serve', String(port)], ports: [{ containerPort: port }], securityContext: RESTRICTED_CONTAINER }],
        },
      },
    },
  };
}

export async function getInstance(plane: ControlPlane, i: { metadata: { name: string; namespace: string } }): Promise<Instance> {
  const got = await getJson<Instance>(plane, ['chatcliinstance', i.metadata.name, '-n', i.metadata.namespace]);
  if (!got) throw new Error(`chatcliinstance ${i.metadata.namespace}/${i.metadata.name} not found`);
  return got;
}

export const condition = (i: Instance | undefined, type: string) => i?.status?.conditions?.find((c) => c.type === type);

export interface PodView {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: {
    containers: { name: string; image: string; envFrom?: { secretRef?: { name: string } }[]; volumeMounts?: { name: string; mountPath: string }[] }[];
    volumes?: { name: string; emptyDir?: object; persistentVolumeClaim?: { claimName: string } }[];
  };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; ready: boolean; restartCount: number; image: string; state?: { waiting?: { reason?: string; message?: string } } }[];
  };
}

/** The instance's pods that are not being deleted. */
export async function instancePods(plane: ControlPlane, i: Instance): Promise<PodView[]> {
  const selector = Object.entries(selectorLabels(i.metadata)).map(([k, v]) => `${k}=${v}`).join(',');
  const list = await getJson<{ items: PodView[] }>(plane, ['pods', '-n', i.metadata.namespace, '-l', selector]);
  return (list?.items ?? []).filter((p) => !p.metadata.deletionTimestamp);
}

export const podReady = (p: PodView) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/**
 * Waits until the instance is READY for its current generation with exactly
 * `replicas` pods, all Ready and none of them in `notAmong` (the pods before a
 * change that must roll them). Returns those pods.
 */
export async function waitForReadyPods(plane: ControlPlane, i: Instance, opts: { notAmong?: string[]; replicas?: number; timeoutMs?: number } = {}): Promise<PodView[]> {
  const { notAmong = [], replicas = 1, timeoutMs = 120_000 } = opts;
  let pods: PodView[] = [];
  let last = '';
  await eventually(`${i.metadata.namespace}/${i.metadata.name} READY with ${replicas} new Ready pod(s)`, async () => {
    const now = await getInstance(plane, i);
    pods = await instancePods(plane, i);
    last = `ready=${now.status?.ready} observed=${now.status?.observedGeneration}/${now.metadata.generation} pods=${pods.map((p) => `${p.metadata.name}:${p.status.phase}:${podReady(p)}:${JSON.stringify(p.status.containerStatuses?.[0]?.state)}`).join(',')}`;
    return now.status?.ready === true && now.status.observedGeneration === now.metadata.generation &&
      pods.length === replicas && pods.every((p) => podReady(p) && !notAmong.includes(p.metadata.name));
  }, timeoutMs, 500).catch((err: Error) => {
    throw new Error(`${err.message}\n  last seen: ${last}`);
  });
  return pods;
}

/** Merge-patches the instance's spec. */
export async function patchSpec(plane: ControlPlane, i: Instance, spec: object): Promise<void> {
  await plane.kubectl(['patch', 'chatcliinstance', i.metadata.name, '-n', i.metadata.namespace, '--type=merge', '-p', JSON.stringify({ spec })]);
}

/** A value of a Secret, decoded. */
export async function secretValue(plane: ControlPlane, namespace: string, name: string, key: string): Promise<string> {
  const s = await getJson<{ data?: Record<string, string> }>(plane, ['secret', name, '-n', namespace]);
  const v = s?.data?.[key];
  if (v === undefined) throw new Error(`Secret ${namespace}/${name} has no key ${key}`);
  return Buffer.from(v, 'base64').toString('utf8');
}

/** How a client reaches the instance through its Service's ClusterIP, as the spec says (TLS, token). */
export async function serviceConnection(plane: ControlPlane, i: Instance, proto: ChatCLIProto): Promise<ConnectOptions & { serverName?: string }> {
  const svc = await getJson<{ spec: { clusterIP: string; ports: { name: string; port: number }[] } }>(plane, ['service', serviceName(i.metadata), '-n', i.metadata.namespace]);
  if (!svc) throw new Error(`Service of ${i.metadata.namespace}/${i.metadata.name} not found`);
  const port = svc.spec.ports.find((p) => p.name === 'grpc')?.port;
  const address = `${svc.spec.clusterIP}:${port}`;
  // Only the instance's current Ready pods serve, and kube-proxy routes to them.
  const readyPodIPs = async () => new Set((await instancePods(plane, i)).filter(podReady).map((p) => p.status.podIP));
  await waitForServiceEndpoints(plane, i.metadata.namespace, serviceName(i.metadata), readyPodIPs, svc.spec.clusterIP, port!);
  const token = i.spec.server?.token ? await secretValue(plane, i.metadata.namespace, i.spec.server.token.name, i.spec.server.token.key) : undefined;
  const tlsSecret = i.spec.server?.tls?.enabled ? i.spec.server.tls.secretName : undefined;
  if (!tlsSecret) return { address, proto, token };
  const serverName = serviceDnsNames(i)[2];
  return { address, proto, token, serverName, tls: { ca: await secretValue(plane, i.metadata.namespace, tlsSecret, 'ca.crt'), serverName } };
}

/** The Service's DNS names, shortest first. */
export function serviceDnsNames(i: Instance): string[] {
  const svc = serviceName(i.metadata);
  const ns = i.metadata.namespace;
  return [svc, `${svc}.${ns}`, `${svc}.${ns}.svc`, `${svc}.${ns}.svc.cluster.local`];
}

/** A throwaway CA and a serving certificate for `dnsNames`, as a kubernetes.io/tls Secret (with ca.crt). */
export async function tlsSecret(namespace: string, name: string, dnsNames: string[]): Promise<object> {
  const dir = await mkdtemp(join(tmpdir(), 'chatcli-tls-'));
  const f = (n: string) => join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await run('openssl', ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=chatcli-proof-ca']);
    await run('openssl', ['req', '-new', ...ec, '-keyout', f('tls.key'), '-out', f('tls.csr'), '-subj', `/CN=${dnsNames[0]}`]);
    await writeFile(f('ext'), `subjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(',')}\nextendedKeyUsage=serverAuth\n`);
    await run('openssl', ['x509', '-req', '-in', f('tls.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('tls.crt'), '-days', '1', '-extfile', f('ext')]);
    const data = Object.fromEntries(await Promise.all(['tls.crt', 'tls.key', 'ca.crt'].map(async (k) => [k, (await readFile(f(k))).toString('base64')])));
    return { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace }, data };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The host directory of the instance's sessions claim (a local PersistentVolume of the node's provisioner). */
export async function claimDirectory(plane: ControlPlane, i: Instance): Promise<string> {
  const pvc = await getJson<{ spec: { volumeName?: string } }>(plane, ['pvc', sessionsClaimName(i.metadata), '-n', i.metadata.namespace]);
  if (!pvc?.spec.volumeName) throw new Error(`claim ${sessionsClaimName(i.metadata)} is not bound`);
  const pv = await getJson<{ spec: { local?: { path: string } } }>(plane, ['pv', pvc.spec.volumeName]);
  if (!pv?.spec.local?.path) throw new Error(`PersistentVolume ${pvc.spec.volumeName} has no local path`);
  return pv.spec.local.path;
}

/** The host path of the emptyDir a pod mounts at ChatCLI's state directory ($HOME/.chatcli), under the kubelet's root. */
export function stateDirOnHost(pod: PodView): string {
  const mount = pod.spec.containers[0]?.volumeMounts?.find((m) => m.mountPath === STATE_DIR);
  const volume = pod.spec.volumes?.find((v) => v.name === mount?.name);
  if (!mount || !volume?.emptyDir) throw new Error(`pod ${pod.metadata.name}: no emptyDir at ${STATE_DIR}`);
  return join(paths.kubeletRoot, 'pods', pod.metadata.uid, 'volumes', 'kubernetes.io~empty-dir', volume.name);
}

/** `kubectl auth can-i` as a ServiceAccount: true for "yes". */
export async function canI(plane: ControlPlane, sa: { namespace: string; name: string }, verb: string, resource: string, namespace: string): Promise<boolean> {
  const args = [`--kubeconfig=${plane.kubeconfigPath}`, 'auth', 'can-i', verb, resource, '-n', namespace, `--as=system:serviceaccount:${sa.namespace}:${sa.name}`];
  const out = await run(join(plane.binDir, 'kubectl'), args).then((r) => r.stdout, (err: { stdout?: string; message: string }) => {
    if (err.stdout?.trim() === 'no') return 'no';
    throw new Error(`kubectl auth can-i ${verb} ${resource} -n ${namespace}: ${err.message}`);
  });
  return out.trim() === 'yes';
}

/**
 * Watches the instance's pods and records, after every event, how many of
 * them could hold its volume at once: pods that exist and have not reached a
 * terminal phase (the Deployment controller's own test before it starts the
 * next pod under Recreate).
 */
export async function watchClaimHolders(plane: ControlPlane, i: Instance): Promise<{
  /** Whether the watch has delivered this pod Running: it caught up with a pod read elsewhere. */
  sawRunning(pod: string): boolean;
  stop(): Promise<{ maxHolders: number; pods: string[]; timeline: string[] }>;
}> {
  const phases = new Map<string, string>();
  const seen = new Set<string>();
  const timeline: string[] = [];
  let maxHolders = 0;
  const selector = Object.entries(selectorLabels(i.metadata)).map(([k, v]) => `${k}=${v}`).join(',');
  let failure: unknown;
  const controller = await new Watch(plane.adminKubeConfig()).watch(
    `/api/v1/namespaces/${i.metadata.namespace}/pods`, { labelSelector: selector },
    (type: string, pod: { metadata: { name: string }; status?: { phase?: string } }) => {
      const name = pod.metadata.name;
      seen.add(name);
      if (type === 'DELETED') phases.delete(name);
      else phases.set(name, pod.status?.phase ?? 'Pending');
      const holders = [...phases].filter(([, phase]) => phase !== 'Succeeded' && phase !== 'Failed').map(([n]) => n);
      maxHolders = Math.max(maxHolders, holders.length);
      timeline.push(`${type} ${name} ${pod.status?.phase ?? ''} -> holders: ${holders.join(',') || 'none'}`);
    },
    (err: unknown) => {
      if (err && !(err instanceof Error && err.name === 'AbortError')) failure = err;
    },
  );
  return {
    sawRunning: (pod) => phases.get(pod) === 'Running',
    stop: async () => {
      controller.abort();
      if (failure) throw new Error(`pod watch failed: ${String(failure)}`);
      return { maxHolders, pods: [...seen], timeline };
    },
  };
}

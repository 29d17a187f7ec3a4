// The README's quick start: a local control plane in full mode, the CRD, the
// operator running as its own least-privilege ServiceAccount, and the seed's
// multi-target sample, until `kubectl get chatcliinstances` shows READY true.
// With --mode node, a real node instead of kwok: the ChatCLI and operator
// images are built (when missing) and imported, the operator runs in-cluster
// from its image (`make deploy`), and READY true means the server's pods really
// run and pass their probes.
// Then it keeps everything up until Ctrl+C (or exits at once with --exit).
//   node hack/quickstart.ts [--mode full|node] [--exit] [--sample config/samples/<file>.yaml]
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { startControlPlane } from './controlplane/controlplane.ts';
import { waitForCrd, waitForJsonPath } from './controlplane/wait.ts';
import { deployOperator, OPERATOR_NAMESPACE } from './deploy.ts';
import { ensureImages, IMAGE_NAMES } from './images/images.ts';

const { values } = parseArgs({
  options: {
    exit: { type: 'boolean', default: false },
    sample: { type: 'string', default: 'config/samples/chatcli_v1alpha1_multi_target.yaml' },
    mode: { type: 'string', default: 'full' },
  },
});
if (values.mode !== 'full' && values.mode !== 'node') {
  console.error(`[quickstart] --mode must be "full" or "node", not "${values.mode}"`);
  process.exit(2);
}
const realNode = values.mode === 'node';
const say = (line: string) => console.log(`[quickstart] ${line}`);
const tmp = resolve('.tmp');
await mkdir(tmp, { recursive: true });

const log = (l: string) => console.log(l);
let images: Awaited<ReturnType<typeof ensureImages>> = [];
if (realNode) {
  say('building the images when missing (ChatCLI servers from CHATCLI_SOURCE_DIR, the operator from its Dockerfile); no registry is used');
  images = await ensureImages([...IMAGE_NAMES.filter((n) => n.startsWith('chatcli:')), 'operator'], { log });
  say('starting a local control plane (node mode: etcd, kube-apiserver, controller-manager, scheduler, and a real node: kubelet, kube-proxy, containerd)');
} else {
  say('starting a local control plane (full mode: etcd, kube-apiserver, controller-manager, scheduler, kwok)');
}
const plane = await startControlPlane({
  mode: realNode ? 'node' : 'full', kubeconfigPath: resolve(tmp, 'kubeconfig'), log, images: [...new Set(images.map((i) => i.archive))],
});
let operator: ReturnType<typeof spawn> | undefined;
const shutdown = async (code: number) => {
  operator?.kill('SIGTERM');
  await plane.stop();
  process.exit(code);
};
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

/** The operator as a host process, as its own ServiceAccount with nothing but config/rbac/role.yaml. */
async function runOperatorOnHost(k: typeof plane.kubectl): Promise<void> {
  say('installing the CRD, the operator RBAC (config/rbac/role.yaml) and the admission policy (config/policy)');
  await k(['apply', '--server-side', '-f', 'config/crd/bases/chatcli.diillson.com_chatcliinstances.yaml']);
  await waitForCrd(k, 'chatcliinstances.chatcli.diillson.com');
  await k(['apply', '--server-side', '-f', 'config/rbac/role.yaml']);
  await k(['apply', '--server-side', '-f', 'config/policy/watcher-targets.yaml']);

  const operatorKubeconfig = resolve(tmp, 'operator.kubeconfig');
  const saConfig = await plane.serviceAccountKubeConfig('chatcli-system', 'chatcli-operator');
  await writeFile(operatorKubeconfig, saConfig.exportConfig(), { mode: 0o600 });
  const logFile = resolve(tmp, 'operator.log');
  say(`starting the operator as ServiceAccount chatcli-system/chatcli-operator (logs: ${logFile})`);
  operator = spawn(process.execPath, ['src/main.ts', 'run', '--metrics-bind-address=127.0.0.1:0', '--health-probe-bind-address=127.0.0.1:0'], {
    env: { ...process.env, KUBECONFIG: operatorKubeconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = createWriteStream(logFile);
  operator.stdout?.pipe(out);
  operator.stderr?.pipe(out);
  operator.on('exit', (code) => {
    if (code !== null && code !== 0) say(`the operator exited with ${code}; see ${logFile}`);
  });
}

/** The operator in the cluster from its image, as a user deploys it (make deploy). */
async function deployOperatorInCluster(k: typeof plane.kubectl): Promise<void> {
  const image = images.find((i) => i.name === 'operator')?.ref ?? '';
  say(`make deploy IMG=${image}: config/default (CRD, RBAC, admission policy, the operator's Deployment: 2 replicas, leader election)`);
  await deployOperator({ kubectlBin: join(plane.binDir, 'kubectl'), kubeconfig: plane.kubeconfigPath, kubectl: k }, image);
  console.log(await k(['get', 'pods', '-n', OPERATOR_NAMESPACE, '-o', 'wide']));
}

try {
  const k = plane.kubectl;
  if (realNode) await deployOperatorInCluster(k);
  else await runOperatorOnHost(k);

  say('creating the namespaces and Secrets the sample refers to (placeholder values); the target namespaces opt in to being watched');
  for (const ns of ['production', 'batch', 'ml']) {
    await k(['create', 'namespace', ns]);
    await k(['label', 'namespace', ns, 'chatcli.diillson.com/watchable=true']);
  }
  await k(['create', 'secret', 'generic', 'chatcli-api-keys', '-n', 'default', '--from-literal=ANTHROPIC_API_KEY=replace-me']);
  await k(['create', 'secret', 'generic', 'chatcli-auth', '-n', 'default', '--from-literal=token=replace-me']);

  say(`applying ${values.sample}`);
  const applied = await k(['apply', '-n', 'default', '-f', values.sample, '-o', 'name']);
  const name = applied.trim().split('\n')[0] ?? '';
  await waitForJsonPath(k, ['-n', 'default', name], '{.status.ready}', 'true', 180_000);
  console.log(await k(['get', 'chatcliinstances', '-n', 'default']));
  console.log(await k(['get', 'deployment,service,configmap,serviceaccount,persistentvolumeclaim,role,rolebinding', '-A', '-l', 'app.kubernetes.io/managed-by=chatcli-operator']));
  if (realNode) {
    say('the ChatCLI server runs in a real container on the node, Ready by its own probe:');
    console.log(await k(['get', 'pods', '-n', 'default', '-o', 'wide', '-l', 'app.kubernetes.io/managed-by=chatcli-operator']));
  }
  say(`READY. Try: export KUBECONFIG=${plane.kubeconfigPath}; ${plane.binDir}/kubectl get chatcliinstances -A`);
  if (values.exit) await shutdown(0);
  else say('everything stays up until Ctrl+C');
} catch (err) {
  console.error(`[quickstart] failed: ${err instanceof Error ? err.message : String(err)}`);
  await shutdown(1);
}

// The operator deployed into a local plane exactly as a user deploys it:
// `make deploy IMG=<image>` (config/default: CRD, RBAC, the manager
// Deployment, the admission policy), run with the plane's pinned kubectl, then
// waiting until the CRD is served and every replica is Ready by its probes.
// Used by the quickstart's node mode and the real-node tests.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitForCrd, waitForJsonPath } from './controlplane/wait.ts';

const run = promisify(execFile);
const operatorDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where config/default runs the operator (config/manager/manager.yaml). */
export const OPERATOR_NAMESPACE = 'chatcli-system';
export const OPERATOR_DEPLOYMENT = 'chatcli-operator';
export const CRD_NAME = 'chatcliinstances.chatcli.diillson.com';

export interface DeployTarget {
  /** The pinned kubectl (plane.binDir/kubectl). */
  kubectlBin: string;
  kubeconfig: string;
  kubectl: (args: string[], input?: string) => Promise<string>;
}

/** `make deploy IMG=<image>`; resolves once the CRD is Established and the operator's replicas are all Ready. */
export async function deployOperator(target: DeployTarget, image: string, timeoutMs = 180_000): Promise<void> {
  try {
    await run('make', ['-s', '-C', operatorDir, 'deploy', `IMG=${image}`, `KUBECTL=${target.kubectlBin} --kubeconfig=${target.kubeconfig}`], { maxBuffer: 16 << 20 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`make deploy IMG=${image}: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
  await waitForCrd(target.kubectl, CRD_NAME, timeoutMs);
  const replicas = (await target.kubectl(['get', 'deployment', OPERATOR_DEPLOYMENT, '-n', OPERATOR_NAMESPACE, '-o', 'jsonpath={.spec.replicas}'])).trim();
  await waitForJsonPath(target.kubectl, ['deployment', OPERATOR_DEPLOYMENT, '-n', OPERATOR_NAMESPACE], '{.status.readyReplicas}', replicas, timeoutMs);
}

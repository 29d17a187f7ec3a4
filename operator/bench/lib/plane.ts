// A fresh local control plane made ready for a benchmark: the CRD, the
// operator's ServiceAccount and RBAC (config/rbac/role.yaml), and the namespaces
// the samples' watchers point at.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane, type PlaneMode } from '../../hack/controlplane/controlplane.ts';
import { installOperator } from '../../test/support/operator.ts';
import { TARGET_NAMESPACES, TARGET_NAMESPACE_LABELS, createAll, namespaceObjects } from './workload.ts';

export interface BenchPlane {
  plane: ControlPlane;
  /** The benchmark's own client (cluster admin). */
  admin: KubeConfig;
  /** What the operator under test runs with. */
  operatorKubeconfig: string;
}

const START_ATTEMPTS = 3;

/** Ports are picked free and then bound: on a busy machine another process can win that race, so try again. */
async function startPlane(mode: PlaneMode, log: (line: string) => void): Promise<ControlPlane> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startControlPlane({ mode, log });
    } catch (err) {
      if (attempt >= START_ATTEMPTS) throw err;
      log(`plane failed to start (${String(err).split('\n')[0]}); trying again`);
    }
  }
}

export async function startBenchPlane(mode: PlaneMode, opts: { operatorAsAdmin: boolean; log: (line: string) => void }): Promise<BenchPlane> {
  const plane = await startPlane(mode, opts.log);
  try {
    const serviceAccount = await installOperator(plane);
    const admin = plane.adminKubeConfig();
    await createAll(admin, namespaceObjects(TARGET_NAMESPACES, TARGET_NAMESPACE_LABELS), 4);
    let operatorKubeconfig = serviceAccount;
    if (opts.operatorAsAdmin) {
      operatorKubeconfig = join(plane.dir, 'bench-admin.kubeconfig');
      await writeFile(operatorKubeconfig, admin.exportConfig(), { mode: 0o600 });
    }
    return { plane, admin, operatorKubeconfig };
  } catch (err) {
    await plane.stop();
    throw err;
  }
}

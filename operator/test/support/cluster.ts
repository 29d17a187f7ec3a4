// One local control plane per test file: started in before(), stopped in after(),
// whatever the tests did. Tests create fixed namespaces and leave objects behind,
// so they run only on a throwaway plane, never on a shared cluster.
import { after, before } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane, type PlaneMode } from '../../hack/controlplane/controlplane.ts';

export type { ControlPlane, PlaneMode };

/** Registers before/after hooks and returns a getter for the running plane. */
export function usePlane(mode: PlaneMode): () => ControlPlane {
  let plane: ControlPlane | undefined;
  before(async () => {
    plane = await startControlPlane({ mode, log: process.env.CHATCLI_TEST_VERBOSE ? (l) => console.error(l) : undefined });
  }, { timeout: 240_000 });
  after(async () => {
    await plane?.stop();
  });
  return () => {
    if (!plane) throw new Error('control plane not started: call usePlane() at the top level of the test file');
    return plane;
  };
}

/** A fresh KubeConfig for the admin of a plane. */
export function adminKubeConfig(plane: ControlPlane): KubeConfig {
  return plane.adminKubeConfig();
}

// One local control plane per test file: started in before(), stopped in after(),
// whatever the tests did. Tests create fixed namespaces and leave objects behind,
// so they run only on a throwaway plane, never on a shared cluster.
import { after, before } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane, type PlaneMode } from '../../hack/controlplane/controlplane.ts';
import { ensureImages, type ImageName } from '../../hack/images/images.ts';

export type { ControlPlane, PlaneMode };

/**
 * Registers before/after hooks and returns a getter for the running plane.
 * Node mode: `images` (of hack/images) are built if needed and imported into the node.
 */
export function usePlane(mode: PlaneMode, options: { images?: ImageName[] } = {}): () => ControlPlane {
  let plane: ControlPlane | undefined;
  before(async () => {
    const log = process.env.CHATCLI_TEST_VERBOSE ? (l: string) => console.error(l) : undefined;
    const images = mode === 'node' ? await ensureImages(options.images ?? [], { log }) : [];
    plane = await startControlPlane({ mode, log, images: images.map((i) => i.archive) });
  }, { timeout: mode === 'node' ? 600_000 : 240_000 });
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

// Starts a local control plane and keeps it up until SIGINT/SIGTERM.
//   node hack/controlplane/up.ts [--mode api|full|node] [--kubeconfig PATH] [--ready-file PATH] [--image NAME]...
// The ready file (when given) is written once the plane answers, for scripts that wait on it.
// --image (node mode, repeatable): an image of hack/images (probe, chatcli:v1.57.1, operator...)
// built if needed and imported into the node's containerd.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ensureImages, IMAGE_NAMES, type ImageName } from '../images/images.ts';
import { startControlPlane, type PlaneMode } from './controlplane.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'full' },
    kubeconfig: { type: 'string', default: '.tmp/kubeconfig' },
    'ready-file': { type: 'string' },
    image: { type: 'string', multiple: true, default: [] },
  },
});
if (values.mode !== 'api' && values.mode !== 'full' && values.mode !== 'node') {
  console.error(`--mode must be "api", "full" or "node", not "${values.mode}"`);
  process.exit(2);
}
const unknown = values.image.filter((i) => !(IMAGE_NAMES as readonly string[]).includes(i));
if (unknown.length) {
  console.error(`--image: unknown ${unknown.join(', ')} (known: ${IMAGE_NAMES.join(', ')})`);
  process.exit(2);
}
const log = (l: string) => console.error(l);
const images = values.mode === 'node' ? await ensureImages(values.image as ImageName[], { log }) : [];
const plane = await startControlPlane({
  mode: values.mode as PlaneMode, kubeconfigPath: values.kubeconfig, log, images: images.map((i) => i.archive),
});
console.error(`[controlplane] ${plane.mode} mode up: export KUBECONFIG=${plane.kubeconfigPath}   (logs in ${plane.dir})`);
if (values['ready-file']) await writeFile(values['ready-file'], `${plane.kubeconfigPath}\n`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.error('[controlplane] stopping');
  await plane.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
process.on('SIGHUP', shutdown);

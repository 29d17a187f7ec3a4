// Starts a local control plane and keeps it up until SIGINT/SIGTERM.
//   node hack/controlplane/up.ts [--mode api|full] [--kubeconfig PATH] [--ready-file PATH]
// The ready file (when given) is written once the plane answers, for scripts that wait on it.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startControlPlane, type PlaneMode } from './controlplane.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'full' },
    kubeconfig: { type: 'string', default: '.tmp/kubeconfig' },
    'ready-file': { type: 'string' },
  },
});
if (values.mode !== 'api' && values.mode !== 'full') {
  console.error(`--mode must be "api" or "full", not "${values.mode}"`);
  process.exit(2);
}
const plane = await startControlPlane({ mode: values.mode as PlaneMode, kubeconfigPath: values.kubeconfig, log: (l) => console.error(l) });
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

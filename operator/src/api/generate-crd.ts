// `npm run manifests`: writes the CRD generated from the TypeBox schema, to
// config/crd/bases and to the Helm chart's crds/.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHART_CRD_FILE, CRD_FILE, crdYaml } from './crd.ts';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
for (const file of [CRD_FILE, CHART_CRD_FILE]) {
  const target = join(packageDir, file);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, crdYaml(file));
  console.log(`wrote ${file}`);
}

// `npm run manifests`: writes the CRD generated from the TypeBox schema, to
// config/crd/bases and, as a template, to the Helm chart.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHART_CRD_TEMPLATE, CRD_FILE, chartCrdTemplate, crdYaml } from './crd.ts';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
for (const [file, text] of [[CRD_FILE, crdYaml()], [CHART_CRD_TEMPLATE, chartCrdTemplate()]] as const) {
  const target = join(packageDir, file);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, text);
  console.log(`wrote ${file}`);
}

// `npm run manifests`: writes the CRD generated from the TypeBox schema.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, crdYaml } from './crd.ts';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const target = join(packageDir, CRD_FILE);
await mkdir(dirname(target), { recursive: true });
await writeFile(target, crdYaml());
console.log(`wrote ${CRD_FILE}`);

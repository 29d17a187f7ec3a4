// The seed's four examples (config/samples), parsed, for the API tests.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const SAMPLE_FILES = [
  'chatcli_v1alpha1_minimal.yaml',
  'chatcli_v1alpha1_single_target.yaml',
  'chatcli_v1alpha1_multi_target.yaml',
  'chatcli_v1alpha1_full.yaml',
] as const;

export function readSample(file: string): Record<string, unknown> & { metadata: { name: string; namespace?: string }; spec: Record<string, unknown> } {
  return parse(readFileSync(join(PACKAGE_DIR, 'config', 'samples', file), 'utf8'));
}

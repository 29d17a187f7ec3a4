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

/** Examples of the instance knobs (config/samples/knobs), not of the seed. */
export const KNOB_FILES = ['chatcli_v1alpha1_scaled.yaml', 'chatcli_v1alpha1_ollama.yaml', 'chatcli_v1alpha1_stackspot.yaml', 'chatcli_v1alpha1_agents.yaml'] as const;

export function readSample(file: string): Record<string, unknown> & { metadata: { name: string; namespace?: string }; spec: Record<string, unknown> } {
  return parse(readFileSync(join(PACKAGE_DIR, 'config', 'samples', file), 'utf8'));
}

/**
 * The minimal sample as the seed's tables say it reads back: written out by
 * hand, never computed, so that both the API server's defaulting and
 * withDefaults() are checked against the seed itself.
 */
export const MINIMAL_SPEC_WITH_SEED_DEFAULTS = {
  provider: 'OPENAI',
  apiKeys: { name: 'chatcli-api-keys' },
  replicas: 1,
  image: { repository: 'ghcr.io/diillson/chatcli', tag: 'latest', pullPolicy: 'IfNotPresent' },
  server: { port: 50051 },
  watcher: { enabled: false, interval: '30s', window: '2h', maxLogLines: 100, maxContextChars: 8000 },
  // accessModes is newer than the seed (issue 12): the claim it always made.
  persistence: { enabled: false, size: '1Gi', accessModes: ['ReadWriteOnce'] },
  securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
};

// The control plane's pinned versions, read from the one file that pins them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const file = fileURLToPath(new URL('../../hack/controlplane/versions.env', import.meta.url));

export function pinnedVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    // NAME=value or NAME="a b" (a shell list, as CHATCLI_VERSIONS).
    const m = /^([A-Z0-9_]+)=(?:"([^"]*)"|(\S+))$/.exec(line.trim());
    const value = m?.[2] ?? m?.[3];
    if (m?.[1] && value) out[m[1]] = value;
  }
  return out;
}

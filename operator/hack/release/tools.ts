// The release pipeline from TypeScript (the tests): its Go tools, built once per
// machine by build.sh, and `make release` itself.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildScriptOutput, runLogged } from '../build-script.ts';

const here = dirname(fileURLToPath(import.meta.url));
const operatorDir = join(here, '..', '..');

export type ReleaseTool = 'cosign' | 'registry' | 'actionlint';

/** Builds the tool if it is missing (hack/release/build.sh); returns its path. */
export async function ensureReleaseTool(tool: ReleaseTool, log?: (line: string) => void): Promise<string> {
  return await buildScriptOutput(join(here, 'build.sh'), [tool], log);
}

/** What `make release` published (release.json). */
export interface Release {
  version: string;
  /** repository@sha256:<index digest> */
  image: string;
  platforms: Record<'linux/amd64' | 'linux/arm64', string>;
  /** oci://<registry>/charts/chatcli-operator */
  chart: string;
  chartDigest: string;
  sbom: string[];
}

/** `make release VERSION=... REGISTRY=...` with env (COSIGN_KEY, REGISTRY_CA_FILE, RELEASE_OUT...); reads release.json. */
export async function makeRelease(version: string, registry: string, env: NodeJS.ProcessEnv & { RELEASE_OUT: string }, log?: (line: string) => void): Promise<Release> {
  await runLogged('make', ['-C', operatorDir, '--no-print-directory', 'release', `VERSION=${version}`, `REGISTRY=${registry}`], { env: { ...process.env, ...env }, log });
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(join(env.RELEASE_OUT, 'release.json'), 'utf8')) as Release;
}

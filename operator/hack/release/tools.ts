// The release pipeline from TypeScript (the tests): its Go tools, built once per
// machine by build.sh, and `make release` itself.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const operatorDir = join(here, '..', '..');

export type ReleaseTool = 'cosign' | 'registry' | 'actionlint';

/** Runs a command; resolves with its stdout, rejects with its last stderr lines. Each stderr line goes to log. */
function runLogged(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; log?: (line: string) => void }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const tail: string[] = [];
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => {
      tail.push(l);
      if (tail.length > 30) tail.shift();
      opts.log?.(l);
    }));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${tail.join('\n')}`))));
  });
}

/** Builds the tool if it is missing (hack/release/build.sh); returns its path. */
export async function ensureReleaseTool(tool: ReleaseTool, log?: (line: string) => void): Promise<string> {
  return (await runLogged('bash', [join(here, 'build.sh'), tool], { log })).trim().split('\n').pop() ?? '';
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

// helm for the chart's tests and for `npm run manifests`: built from its Go
// module by build.sh (once per machine, cached), run with an isolated home so a
// developer's own repositories, plugins and contexts never leak in.
import { execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildScriptOutput } from '../build-script.ts';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** The chart, at the repository root. */
export const CHART_DIR = join(here, '..', '..', '..', 'charts', 'chatcli-operator');
/** What `helm template`/`install` call the release in config/ and in the tests. */
export const RELEASE_NAME = 'chatcli-operator';
export const RELEASE_NAMESPACE = 'chatcli-system';

/** helm 4 (HELM_VERSION), the tests' own, or helm 3 (HELM3_VERSION), which the chart must work with too. */
export type HelmMajor = 3 | 4;

/**
 * Builds helm if it is missing (CHATCLI_HELM, or CHATCLI_HELM3 for helm 3, names
 * a binary to use instead); returns its path.
 */
export async function ensureHelm(log: (line: string) => void = () => {}, major: HelmMajor = 4): Promise<string> {
  const given = major === 4 ? process.env.CHATCLI_HELM : process.env.CHATCLI_HELM3;
  if (given) return given;
  return await buildScriptOutput(join(here, 'build.sh'), [String(major)], log);
}

export type Helm = (args: string[], options?: { kubeconfig?: string; input?: string }) => Promise<string>;

/**
 * A helm runner: its cache, config and data live in a fresh temp dir; rejects
 * with helm's stderr when it exits non-zero.
 */
export async function helmRunner(log?: (line: string) => void, major: HelmMajor = 4): Promise<Helm> {
  const bin = await ensureHelm(log, major);
  const home = await mkdtemp(join(tmpdir(), 'chatcli-helm-'));
  process.once('exit', () => rmSync(home, { recursive: true, force: true }));
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  return async (args, { kubeconfig, input } = {}) => {
    const kube = kubeconfig ? { KUBECONFIG: kubeconfig } : { KUBECONFIG: join(home, 'no-cluster') };
    if (input === undefined) {
      try {
        return (await run(bin, args, { env: { ...env, ...kube }, maxBuffer: 64 * 1024 * 1024 })).stdout;
      } catch (err) {
        throw new Error(`helm ${args.join(' ')}: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`, { cause: err });
      }
    }
    return await new Promise((resolve, reject) => {
      const child = spawn(bin, args, { env: { ...env, ...kube }, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let errOut = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (errOut += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`helm ${args.join(' ')}: ${errOut.trim()}`))));
      child.stdin.end(input);
    });
  };
}

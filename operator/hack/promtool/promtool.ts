// promtool for the chart's PrometheusRule tests (`promtool check rules`,
// `promtool test rules`): built from the Prometheus Go module by build.sh (once
// per machine, cached).
import { execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** Builds promtool if it is missing (CHATCLI_PROMTOOL names a binary to use instead); returns its path. */
export async function ensurePromtool(log: (line: string) => void = () => {}): Promise<string> {
  if (process.env.CHATCLI_PROMTOOL) return process.env.CHATCLI_PROMTOOL;
  return await new Promise((resolve, reject) => {
    const child = spawn('bash', [join(here, 'build.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => log(l)));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out.trim().split('\n').pop() ?? '') : reject(new Error(`hack/promtool/build.sh exited with ${code}`)),
    );
  });
}

export type Promtool = (args: string[], options?: { cwd?: string }) => Promise<string>;

/** A promtool runner: resolves with its stdout, rejects with its stdout and stderr when it exits non-zero. */
export async function promtoolRunner(log?: (line: string) => void): Promise<Promtool> {
  const bin = await ensurePromtool(log);
  return async (args, { cwd } = {}) => {
    try {
      return (await run(bin, args, { cwd, maxBuffer: 16 * 1024 * 1024 })).stdout;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`promtool ${args.join(' ')}:\n${[e.stdout, e.stderr].filter(Boolean).join('\n').trim() || String(err)}`, { cause: err });
    }
  };
}

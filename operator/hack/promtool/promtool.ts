// promtool for the chart's PrometheusRule tests (`promtool check rules`,
// `promtool test rules`): built from the Prometheus Go module by build.sh (once
// per machine, cached).
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildScriptOutput } from '../build-script.ts';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** Builds promtool if it is missing (CHATCLI_PROMTOOL names a binary to use instead); returns its path. */
export async function ensurePromtool(log: (line: string) => void = () => {}): Promise<string> {
  if (process.env.CHATCLI_PROMTOOL) return process.env.CHATCLI_PROMTOOL;
  return await buildScriptOutput(join(here, 'build.sh'), [], log);
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

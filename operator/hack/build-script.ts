// Running hack/'s scripts from TypeScript: the cached-build scripts (control plane,
// helm, promtool, release tools' build.sh) and `make release`. Each stderr line goes
// to `log` as it comes; a failure carries the last of them.
import { spawn } from 'node:child_process';

const TAIL_LINES = 30;

/** Runs a command; resolves with its stdout, rejects with its last stderr lines. Each stderr line goes to log. */
export function runLogged(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; log?: (line: string) => void } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const tail: string[] = [];
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => {
      tail.push(l);
      if (tail.length > TAIL_LINES) tail.shift();
      opts.log?.(l);
    }));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${tail.join('\n')}`))));
  });
}

/** Runs a cached-build script; resolves with what it prints last on stdout: the path it built or found cached. */
export async function buildScriptOutput(script: string, args: string[], log?: (line: string) => void): Promise<string> {
  return (await runLogged('bash', [script, ...args], { log })).trim().split('\n').pop() ?? '';
}

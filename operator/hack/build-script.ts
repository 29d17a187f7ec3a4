// Running one of hack/'s cached-build scripts (controlplane, helm, promtool
// build.sh): its stderr lines go to `log` as they come, and what it prints last
// on stdout is the path it built (or found cached).
import { spawn } from 'node:child_process';
import { relative } from 'node:path';

export async function buildScriptOutput(script: string, args: string[], log: (line: string) => void): Promise<string> {
  return await new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => log(l)));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out.trim().split('\n').pop() ?? '') : reject(new Error(`${relative(process.cwd(), script)} exited with ${code}`)),
    );
  });
}

// What each part of the idle operator costs, against a bare `node` measured in
// the same run: `node bench/idle-parts.ts --kubeconfig FILE [--rounds N]
// [--only a,b]`. FILE is an admin kubeconfig of a plane with the CRD
// installed (make cluster-up MODE=api; make install). Each variant is started
// in turn, round after round (so a machine that gets busier or quieter moves
// every variant alike), left to settle, and its RSS sampled; the median over
// the rounds is printed, split into anonymous memory (the process's own: heap,
// malloc, stacks) and file-backed pages (the node executable). Not part of the
// tests; docs/performance.md "Idle memory: what each part costs" quotes it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { OPERATOR_DIR } from './lib/operator-process.ts';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    'settle-seconds': { type: 'string', default: '8' },
    bundle: { type: 'string', default: 'dist/main.js' },
    /** Another build of the operator to compare (repeatable). */
    'with-bundle': { type: 'string', multiple: true, default: [] },
    /** Other Node/V8 flags to try on the operator, space-separated per variant (repeatable). */
    'with-flags': { type: 'string', multiple: true, default: [] },
  },
});
if (!values.kubeconfig) {
  process.stderr.write('usage: node bench/idle-parts.ts --kubeconfig FILE [--rounds N] [--only a,b] [--settle-seconds S] [--bundle dist/main.js]\n' +
    '         [--with-bundle FILE]... [--with-flags="--flag --other"]...\n');
  process.exit(2);
}
const node = process.execPath;
const idle = 'setInterval(() => {}, 1 << 30)';
const builtin = (names: string[]) => `${names.map((n) => `process.getBuiltinModule('node:${n}');`).join(' ')} ${idle}`;

interface Variant {
  name: string;
  args: (ports: { metrics: number; health: number }) => string[];
  env?: Record<string, string>;
  /** Waits for /readyz on the health port; otherwise the settle time is all. */
  operator?: boolean;
}

const operator = (flags: string[], env?: Record<string, string>, bundle = values.bundle!): Omit<Variant, 'name'> => ({
  operator: true,
  env,
  args: ({ metrics, health }) => [
    ...flags, bundle, 'run', `--kubeconfig=${values.kubeconfig}`,
    `--metrics-bind-address=127.0.0.1:${metrics}`, `--health-probe-bind-address=127.0.0.1:${health}`, '--log-level=info',
  ],
});

const variants: Variant[] = [
  { name: 'bare node', args: () => ['-e', idle] },
  { name: 'bare node --optimize-for-size', args: () => ['--optimize-for-size', '-e', idle] },
  { name: 'node + tls', args: () => ['-e', builtin(['tls'])] },
  { name: 'node + tls, https', args: () => ['-e', builtin(['tls', 'https'])] },
  { name: 'node + tls, http2', args: () => ['-e', builtin(['tls', 'http2'])] },
  { name: 'node + tls, http2, https', args: () => ['-e', builtin(['tls', 'http2', 'https'])] },
  {
    name: 'node + tls, http2, an http server listening',
    args: () => ['-e', `${builtin(['tls', 'http2'])}; process.getBuiltinModule('node:http').createServer().listen(0, '127.0.0.1')`],
  },
  { name: 'operator --optimize-for-size', ...operator(['--optimize-for-size']) },
  { name: 'operator (no flags)', ...operator([]) },
  { name: 'operator --optimize-for-size --single-threaded-gc', ...operator(['--optimize-for-size', '--single-threaded-gc']) },
  { name: 'operator --optimize-for-size --max-semi-space-size=1', ...operator(['--optimize-for-size', '--max-semi-space-size=1']) },
  { name: 'operator --optimize-for-size --v8-pool-size=1', ...operator(['--optimize-for-size', '--v8-pool-size=1']) },
  { name: 'operator --optimize-for-size, MALLOC_ARENA_MAX=2', ...operator(['--optimize-for-size'], { MALLOC_ARENA_MAX: '2' }) },
  { name: 'operator --optimize-for-size, UV_THREADPOOL_SIZE=1', ...operator(['--optimize-for-size'], { UV_THREADPOOL_SIZE: '1' }) },
  { name: 'operator --optimize-for-size, DISABLE_HTTP2=1', ...operator(['--optimize-for-size'], { DISABLE_HTTP2: '1' }) },
  { name: 'operator --optimize-for-size --lite-mode (the image)', ...operator(['--optimize-for-size', '--lite-mode']) },
  ...values['with-bundle'].map((file) => ({ name: `operator --optimize-for-size, ${file}`, ...operator(['--optimize-for-size'], undefined, file) })),
  ...values['with-flags'].map((flags) => ({ name: `operator ${flags}`, ...operator(flags.split(' ').filter(Boolean)) })),
];
const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
// By index (as numbers) or by a part of the name.
const chosen = only ? variants.filter((v, i) => only.some((o) => (/^\d+$/.test(o) ? o === String(i) : v.name.includes(o)))) : variants;
const rounds = Number(values.rounds);
const settleMs = Number(values['settle-seconds']) * 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Memory { rss: number; anon: number; file: number }
async function memoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kib('VmRSS'), anon: kib('RssAnon'), file: kib('RssFile') + kib('RssShmem') };
}

async function measure(v: Variant): Promise<Memory> {
  const ports = { metrics: await freePort(), health: await freePort() };
  const child: ChildProcess = spawn(node, v.args(ports), { cwd: OPERATOR_DIR, env: { ...process.env, ...v.env }, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    if (v.operator) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${ports.health}/readyz`).then((r) => r.ok, () => false);
        if (ok) break;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${v.name}: not ready`);
        await sleep(200);
      }
    }
    await sleep(settleMs);
    const samples: Memory[] = [];
    for (let i = 0; i < 3; i++) {
      if (i > 0) await sleep(1000);
      samples.push(await memoryOf(child.pid!));
    }
    samples.sort((a, b) => a.rss - b.rss);
    return samples[1]!;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
}

const results = new Map<string, Memory[]>();
for (let round = 1; round <= rounds; round++) {
  for (const v of chosen) {
    const m = await measure(v);
    process.stderr.write(`[round ${round}] ${v.name}: RSS ${m.rss.toFixed(1)} MiB (anon ${m.anon.toFixed(1)}, file ${m.file.toFixed(1)})\n`);
    results.set(v.name, [...(results.get(v.name) ?? []), m]);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bare = median((results.get('bare node') ?? []).map((m) => m.rss));
console.log(`| variant | RSS MiB (median of ${rounds}) | anon | file | x bare node |`);
console.log('|---|---|---|---|---|');
for (const v of chosen) {
  const ms = results.get(v.name)!;
  const rss = median(ms.map((m) => m.rss));
  console.log(`| ${v.name} | ${rss.toFixed(1)} | ${median(ms.map((m) => m.anon)).toFixed(1)} | ${median(ms.map((m) => m.file)).toFixed(1)} | ${bare ? (rss / bare).toFixed(2) : '-'} |`);
}

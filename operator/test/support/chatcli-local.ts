// The real ChatCLI server binary run on loopback for tests: its own HOME, a
// placeholder API key, outbound HTTP sent to a closed proxy port (so nothing
// can ever reach an LLM provider), free ports, and the control plane's guard.sh
// so it never outlives the test process.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../hack/controlplane/controlplane.ts';
import { connect, type ChatCLIProto } from './chatcli-grpc.ts';

const run = promisify(execFile);
const guard = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'hack', 'controlplane', 'guard.sh');

/** An API key ChatCLI accepts as configured and no provider would: the server starts with a provider, no call can succeed. */
export const PLACEHOLDER_API_KEY = 'sk-placeholder-not-a-real-key';

export interface LocalChatCLIOptions {
  binary: string;
  proto: ChatCLIProto;
  /** HOME of the server: sessions go to $HOME/.chatcli/sessions, the log to $HOME/.chatcli/app.log. */
  home: string;
  /** CHATCLI_SERVER_TOKEN. */
  token?: string;
  /** PEM files for --tls-cert/--tls-key; `ca` and `serverName` are what the readiness probe trusts. */
  tls?: { cert: string; key: string; ca: string; serverName: string };
  /** Extra environment (CHATCLI_KUBECONFIG, LOG_LEVEL, CHATCLI_ENV...). */
  env?: Record<string, string>;
  /** Extra arguments after `serve --port N --metrics-port M`. */
  args?: string[];
  /** Where stdout and stderr go; a file under home when absent. */
  consoleLog?: string;
}

export interface LocalChatCLI {
  address: string;
  port: number;
  metricsPort: number;
  /** The server's stdout and stderr so far. */
  console(): Promise<string>;
  /** Ends the server (TERM, then KILL after 5 s) and waits for it. */
  stop(): Promise<void>;
}

/** Starts `chatcli serve` and resolves when Health answers; rejects (and ends it) if it exits or does not answer in time. */
export async function startLocalChatCLI(opts: LocalChatCLIOptions): Promise<LocalChatCLI> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const consoleLog = opts.consoleLog ?? join(opts.home, `console-${port}.log`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: opts.home,
    LLM_PROVIDER: 'OPENAI',
    OPENAI_API_KEY: PLACEHOLDER_API_KEY,
    // Go's HTTP client never proxies loopback, so the API server stays reachable; anything else hits a closed port.
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
    ...(opts.token !== undefined ? { CHATCLI_SERVER_TOKEN: opts.token } : {}),
    ...opts.env,
  };
  const args = ['serve', '--port', String(port), '--metrics-port', String(metricsPort),
    ...(opts.tls ? ['--tls-cert', opts.tls.cert, '--tls-key', opts.tls.key] : []), ...(opts.args ?? [])];
  const out = createWriteStream(consoleLog, { flags: 'a' });
  // Its own process group (guard and server), killed whole if this process exits first.
  const child: ChildProcess = spawn('bash', [guard, String(process.pid), opts.binary, ...args], {
    cwd: opts.home, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);

  const address = `127.0.0.1:${port}`;
  const readConsole = async () => await readFile(consoleLog, 'utf8').catch(() => '');
  const stop = async () => {
    process.removeListener('exit', killGroup);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(killGroup, 5000);
      await exited;
      clearTimeout(timer);
    }
    out.end();
  };

  const probe = connect({
    address, proto: opts.proto, timeoutMs: 1000,
    ...(opts.tls ? { tls: { ca: await readFile(opts.tls.ca), serverName: opts.tls.serverName } } : {}),
  });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`chatcli ${opts.proto.version} exited with ${child.exitCode} before answering Health:\n${await readConsole()}`);
      const ok = await probe.health().then((h) => h.status === 'SERVING', () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`chatcli ${opts.proto.version} did not answer Health on ${address} in 30 s:\n${await readConsole()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    probe.close();
  }
  return { address, port, metricsPort, console: readConsole, stop };
}

/** A throwaway self-signed server certificate (EC P-256) for 127.0.0.1 and `dnsName`; it is its own CA. */
export async function throwawayTls(dir: string, name: string, dnsName = 'chatcli.test'): Promise<{ cert: string; key: string; ca: string; serverName: string }> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${dnsName}`,
    '-addext', `subjectAltName=IP:127.0.0.1,DNS:${dnsName}`]);
  return { cert, key, ca: cert, serverName: dnsName };
}

/** The local addresses with a TCP socket listening on `port` ("127.0.0.1", "0.0.0.0", "::"...), from /proc/net/tcp{,6}. */
export async function listeningAddresses(port: number): Promise<string[]> {
  const out: string[] = [];
  for (const [file, v6] of [['/proc/net/tcp', false], ['/proc/net/tcp6', true]] as const) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local) continue; // 0A: LISTEN
      const [hexAddr, hexPort] = local.split(':');
      if (!hexAddr || parseInt(hexPort ?? '', 16) !== port) continue;
      out.push(v6 ? procAddr6(hexAddr) : procAddr4(hexAddr));
    }
  }
  return out;
}

// /proc/net/tcp prints addresses as host-order (little-endian here) 32-bit words.
const procAddr4 = (hex: string) => [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
const procAddr6 = (hex: string) => {
  const words = [0, 1, 2, 3].map((w) => hex.slice(w * 8, w * 8 + 8).match(/../g)?.reverse().join('') ?? '');
  const groups = words.join('').match(/.{4}/g) ?? [];
  const text = groups.map((g) => parseInt(g, 16).toString(16)).join(':');
  return text === '0:0:0:0:0:0:0:0' ? '::' : text;
};

/** The ChatCLI server binary of a version: hack/images/chatcli/build-binary.sh compiles it once into the cache. */
export async function chatcliBinary(version: string): Promise<string> {
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'hack', 'images', 'chatcli', 'build-binary.sh');
  const { stdout } = await run('bash', [script, version], { maxBuffer: 1 << 20 });
  const bin = stdout.trim().split('\n').pop() ?? '';
  if (!bin) throw new Error(`build-binary.sh ${version} printed no path`);
  return bin;
}

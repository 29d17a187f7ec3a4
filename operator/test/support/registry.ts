// An OCI registry for the release tests: the distribution registry
// (hack/release/build.sh registry) on loopback, HTTPS with a CA made for this
// run only, its storage in a temp dir. containerd pulls from it once the node
// trusts that CA (plane.node.trustRegistry).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureReleaseTool } from '../../hack/release/tools.ts';
import { eventually } from './wait.ts';

const run = promisify(execFile);

export interface Registry {
  /** host:port, what image references start with */
  host: string;
  /** the CA that signed the registry's certificate (PEM file and text) */
  caFile: string;
  caPem: string;
  /** a temp dir of this registry's, removed by stop() */
  dir: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A CA and a server certificate for 127.0.0.1 signed by it (openssl, EC P-256). */
async function makeCertificates(dir: string): Promise<{ caFile: string; cert: string; key: string }> {
  const f = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=chatcli-operator release test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run('openssl', ['req', ...ec, '-keyout', f('registry.key'), '-out', f('registry.csr'), '-subj', '/CN=127.0.0.1']);
  await writeFile(f('registry.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n');
  await run('openssl', ['x509', '-req', '-in', f('registry.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-out', f('registry.crt'), '-days', '1', '-extfile', f('registry.ext')]);
  return { caFile: f('ca.crt'), cert: f('registry.crt'), key: f('registry.key') };
}

export async function startRegistry(log: (line: string) => void = () => {}): Promise<Registry> {
  const bin = await ensureReleaseTool('registry', log);
  const dir = await mkdtemp(join(tmpdir(), 'chatcli-registry-'));
  const { caFile, cert, key } = await makeCertificates(dir);
  const ca = await readFile(caFile, 'utf8');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  await writeFile(join(dir, 'config.yml'), JSON.stringify({
    version: 0.1,
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: join(dir, 'data') }, delete: { enabled: true } },
    http: { addr: host, secret: randomBytes(16).toString('hex'), tls: { certificate: cert, key }, draintimeout: '1s' },
  }));
  const child = spawn(bin, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', OTEL_TRACES_EXPORTER: 'none' } });
  child.stderr.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => log(`[registry] ${l}`)));
  let exited = false;
  child.on('exit', () => (exited = true));
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await eventually(`the registry answering on https://${host}/v2/`, async () => {
      if (exited) throw new Error(`the registry exited (${bin} serve ${join(dir, 'config.yml')})`);
      return await new Promise<boolean>((resolve) => {
        const req = httpsGet(`https://${host}/v2/`, { ca, timeout: 2000 }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.on('error', () => resolve(false));
        req.on('timeout', () => req.destroy());
      });
    }, 30_000, 200);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, caFile, caPem: ca, dir, stop };
}

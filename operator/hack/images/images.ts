// Images for the real node, built here because no registry can be reached:
// each becomes an OCI archive in the cache that `ctr -n k8s.io images import`
// takes. build.sh does the work and rebuilds only when an image's inputs
// (sources, pinned versions) changed, so a warm call costs milliseconds.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** What build.sh can make; see README.md for each image's tag and contents. */
export const IMAGE_NAMES = [
  'pause',
  'probe',
  'chatcli:v1.57.1',
  'chatcli:v1.188.0',
  'chatcli:latest',
  'operator',
] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];

export interface BuiltImage {
  name: ImageName;
  /** The image's name inside the archive, as pods and containerd's config refer to it. */
  ref: string;
  /** Absolute path of the OCI archive (may hold more refs, e.g. v1.188.0 and latest). */
  archive: string;
}

export interface EnsureOptions {
  /** Receives build progress lines. */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** Builds the image unless the cache holds it for the same inputs; returns its ref and archive. */
export async function ensureImage(name: ImageName, options: EnsureOptions = {}): Promise<BuiltImage> {
  const out = await runBuild(name, options);
  const last = out.trim().split('\n').pop() ?? '';
  const [ref, archive] = last.split('\t');
  if (!ref || !archive) throw new Error(`images/build.sh ${name}: no "<ref>\\t<archive>" line in its output`);
  return { name, ref, archive };
}

/** ensureImage for each, one after another (builds are CPU-heavy; the machine is shared). */
export async function ensureImages(names: readonly ImageName[], options: EnsureOptions = {}): Promise<BuiltImage[]> {
  const built: BuiltImage[] = [];
  for (const name of names) built.push(await ensureImage(name, options));
  return built;
}

async function runBuild(name: ImageName, { log = () => {}, signal }: EnsureOptions): Promise<string> {
  return await new Promise((resolve, reject) => {
    const child = spawn('bash', [join(here, 'build.sh'), name], { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let out = '';
    let tail: string[] = [];
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) =>
      d
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((line) => {
          tail = [...tail, line].slice(-20);
          log(line);
        }),
    );
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`images/build.sh ${name} exited with ${code}:\n${tail.join('\n')}`)),
    );
  });
}

// The operator of an earlier release, for the upgrade test: its `operator/` tree
// taken from this repository's history (`git archive` of a pinned commit; no
// worktree is registered, nothing in .git changes) into the cache, once per
// machine. It runs on this checkout's node_modules when its package-lock.json
// is a subset of ours (every package it locks, at the same path, version and
// integrity: the exact same code); otherwise it gets its own `npm ci --omit=dev`.
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const operatorDir = fileURLToPath(new URL('../..', import.meta.url));

/** Release 0.1.0: the last commit of the first round (CHANGELOG.md). */
export const PREVIOUS_RELEASE = { version: '0.1.0', commit: '0f12bc2665c5dca8a8084c2b456a025cc1581bcd' } as const;

type Lock = { packages: Record<string, { version?: string; integrity?: string; link?: boolean }> };

/** Every package `older` locks is locked by `newer` at the same path, version and integrity. */
export function lockIsSubset(older: Lock, newer: Lock): boolean {
  return Object.entries(older.packages).every(([path, p]) => {
    if (path === '') return true; // the root: its own name, version and dependency ranges
    const q = newer.packages[path];
    return q !== undefined && q.version === p.version && q.integrity === p.integrity && q.link === p.link;
  });
}

export interface PreviousOperator {
  version: string;
  commit: string;
  /** Its operator/ directory. */
  dir: string;
  /** Its entry point, for startOperator's `main`. */
  main: string;
  /** How it got its dependencies. */
  nodeModules: 'shared with this checkout' | 'own npm ci';
}

/** The previous release's operator tree, ready to run. */
export async function previousOperator(release: { version: string; commit: string } = PREVIOUS_RELEASE): Promise<PreviousOperator> {
  const cache = process.env.CHATCLI_CP_CACHE ?? join(homedir(), '.cache', 'chatcli-operator');
  const root = join(cache, 'releases', `operator-${release.version}-${release.commit.slice(0, 12)}`);
  const dir = join(root, 'operator');
  if (!existsSync(join(root, '.extracted'))) {
    await mkdir(join(cache, 'releases'), { recursive: true });
    const archive = await run('git', ['-C', join(operatorDir, '..'), 'archive', '--format=tar', release.commit, 'operator'], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 })
      .catch((err: Error) => {
        throw new Error(`git archive ${release.commit} (release ${release.version}): ${err.message.trim()} (a shallow clone lacks it: git fetch --unshallow)`, { cause: err });
      });
    const tmp = await mkdtemp(`${root}.tmp-`);
    await untar(archive.stdout, tmp);
    await writeFile(join(tmp, '.extracted'), `${release.commit}\n`);
    await rm(root, { recursive: true, force: true });
    await rename(tmp, root);
  }
  const ours = join(operatorDir, 'node_modules');
  const theirs = join(dir, 'node_modules');
  const readLock = (d: string) => JSON.parse(readFileSync(join(d, 'package-lock.json'), 'utf8')) as Lock;
  const shared = lockIsSubset(readLock(dir), readLock(operatorDir));
  const isLink = existsSync(theirs) && lstatSync(theirs).isSymbolicLink();
  if (shared) {
    if (!isLink || readlinkSync(theirs) !== ours) {
      await rm(theirs, { recursive: true, force: true });
      await symlink(ours, theirs);
    }
  } else if (isLink || !existsSync(join(theirs, '.package-lock.json'))) {
    await rm(theirs, { recursive: true, force: true });
    await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  }
  return {
    ...release,
    dir,
    main: join(dir, 'src', 'main.ts'),
    nodeModules: shared ? 'shared with this checkout' : 'own npm ci',
  };
}

async function untar(tar: Buffer, into: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('tar', ['-x', '-C', into], (err) => (err ? reject(err) : resolve()));
    child.stdin?.end(tar);
  });
}

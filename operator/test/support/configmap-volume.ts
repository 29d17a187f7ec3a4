// A ConfigMap volume as the kubelet lays it out on the node, for tests that run
// a real server on loopback against what it would read in a pod. The kubelet
// writes configMap, secret and projected volumes with its AtomicWriter
// (kubernetes pkg/volume/util/atomic_writer.go): the data lives in a hidden
// timestamped folder, `..data` is a symlink to it, and each key is a symlink
// `key -> ..data/key`. An update writes a new timestamped folder and renames a
// fresh `..data_tmp` symlink over `..data` (the one atomic step), so a reader
// sees the old set of files or the new one, never a mix.
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

const DATA_DIR = '..data';
const NEW_DATA_DIR = '..data_tmp';
/** A ConfigMap's (or projected volume's) defaultMode when none is set. */
const DEFAULT_MODE = 0o644;

/** Go's time.Format("..2006_01_02_15_04_05.") in UTC, the prefix of the timestamped folder. */
const timestampPrefix = (now: Date) => {
  const p = (n: number) => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
};

/**
 * Writes `data` (a ConfigMap's keys and values, the whole volume as mounted
 * without `items`) into `dir` the way the kubelet's AtomicWriter.Write does,
 * first write or update alike:
 *  1. keys are checked (no "/" in a ConfigMap key, none starting with "..");
 *  2. the current timestamped folder is read from `..data`;
 *  3. nothing is done when every key holds the same value and none is gone;
 *  4. a new timestamped folder `..YYYY_MM_DD_HH_MM_SS.<random>` (0755) gets the files (0644);
 *  5. `..data_tmp -> <that folder>` is created and renamed over `..data` (atomic);
 *  6. a `key -> ..data/key` symlink is added for each new key;
 *  7. the symlinks of keys no longer present are removed, then the old folder.
 * Returns whether anything was written. `dir` is created if missing (the kubelet's mount point).
 */
export async function writeConfigMapVolume(dir: string, data: Record<string, string>): Promise<boolean> {
  for (const key of Object.keys(data)) {
    if (!/^[-._a-zA-Z0-9]+$/.test(key) || key === '.' || key.startsWith('..')) throw new Error(`not a ConfigMap key the kubelet projects: ${JSON.stringify(key)}`);
  }
  await mkdir(dir, { recursive: true });
  const dataDir = join(dir, DATA_DIR);
  const oldTsDir = await readlink(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });

  let removed: string[] = [];
  if (oldTsDir) {
    const oldKeys = await readdir(join(dir, oldTsDir));
    removed = oldKeys.filter((k) => !(k in data));
    const changed = await Promise.all(Object.entries(data).map(async ([key, value]) =>
      (await readFile(join(dir, oldTsDir, key), 'utf8').catch(() => undefined)) !== value));
    if (removed.length === 0 && !changed.includes(true)) return false;
  }

  const tsDir = await mkdtemp(join(dir, timestampPrefix(new Date())));
  await chmod(tsDir, 0o755);
  for (const [key, value] of Object.entries(data)) {
    await writeFile(join(tsDir, key), value);
    await chmod(join(tsDir, key), DEFAULT_MODE);
  }

  const newDataDir = join(dir, NEW_DATA_DIR);
  await symlink(basename(tsDir), newDataDir);
  await rename(newDataDir, dataDir);

  for (const key of Object.keys(data)) {
    const visible = join(dir, key);
    if (!(await lstat(visible).then(() => true, () => false))) await symlink(join(DATA_DIR, key), visible);
  }
  for (const key of removed) await unlink(join(dir, key));
  if (oldTsDir) await rm(join(dir, oldTsDir), { recursive: true, force: true });
  return true;
}

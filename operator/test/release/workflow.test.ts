// The release pipeline's parts that need no cluster: the GitHub Actions
// workflow (actionlint, and it runs exactly `make release`), the SBOM and the
// architecture check of an image that cannot run here.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { ensureReleaseTool } from '../../hack/release/tools.ts';
import { PACKAGE_DIR } from '../unit/api/samples.ts';

const run = promisify(execFile);
const REPO_DIR = join(PACKAGE_DIR, '..');
const WORKFLOW = join(REPO_DIR, '.github', 'workflows', 'release.yml');
const RELEASE_DIR = join(PACKAGE_DIR, 'hack', 'release');

type Step = { uses?: string; run?: string; env?: Record<string, string> };
type Workflow = { on: { push: { tags: string[] } }; permissions: object; jobs: Record<string, { permissions: Record<string, string>; steps: Step[] }> };

describe('the release workflow (.github/workflows/release.yml)', () => {
  let actionlint: string;
  before(async () => {
    actionlint = await ensureReleaseTool('actionlint', (l) => console.error(l));
  }, { timeout: 1_800_000 });

  it('passes actionlint', { timeout: 60_000 }, async () => {
    const { stdout } = await run(actionlint, ['-no-color', WORKFLOW], { cwd: REPO_DIR }).catch((err: { stdout?: string; message: string }) => {
      throw new Error(`actionlint:\n${err.stdout ?? err.message}`);
    });
    assert.equal(stdout, '');
  });

  it('runs on v* tags, exactly `make release` once, signing keyless with its own id-token; every action pinned by commit', async () => {
    const wf = parse(await readFile(WORKFLOW, 'utf8')) as Workflow;
    assert.deepEqual(wf.on, { push: { tags: ['v*'] } });
    assert.deepEqual(wf.permissions, {});
    const jobs = Object.values(wf.jobs);
    assert.equal(jobs.length, 1);
    const job = jobs[0]!;
    assert.deepEqual(job.permissions, { contents: 'read', packages: 'write', 'id-token': 'write' });
    const makes = job.steps.filter((s) => /\bmake\b/.test(s.run ?? ''));
    assert.equal(makes.length, 1);
    assert.match(makes[0]!.run!, /make -C operator release VERSION="\$VERSION" REGISTRY="ghcr\.io\/\$\{OWNER,,\}"/);
    assert.equal(makes[0]!.env?.COSIGN_KEY, undefined, 'keyless: no key');
    for (const s of job.steps.filter((x) => x.uses)) assert.match(s.uses!, /^[\w-]+\/[\w-]+@[0-9a-f]{40}$/, s.uses);
  });
});

describe('hack/release/check-arch.sh', () => {
  it("tells an arm64 root from an amd64 one by the binaries' ELF machine and the loader present", async () => {
    const root = await mkdtemp(join(tmpdir(), 'chatcli-arch-'));
    const node = join(root, 'node');
    await copyFile(process.execPath, node);
    await mkdir(join(root, 'lib64'), { recursive: true });
    await writeFile(join(root, 'lib64', 'ld-linux-x86-64.so.2'), '');
    await run('bash', [join(RELEASE_DIR, 'check-arch.sh'), 'amd64', root, node]);
    await assert.rejects(run('bash', [join(RELEASE_DIR, 'check-arch.sh'), 'arm64', root, node]), /not a 64-bit little-endian ELF for arm64 .*e_machine 62, want 183/);
    // An ELF header whose e_machine is EM_AARCH64 (183), and no aarch64 loader yet.
    const header = Buffer.alloc(128);
    header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    header.writeUInt16LE(183, 18);
    header.write('/lib/ld-linux-aarch64.so.1', 40);
    await writeFile(join(root, 'arm'), header);
    await assert.rejects(run('bash', [join(RELEASE_DIR, 'check-arch.sh'), 'arm64', root, join(root, 'arm')]), /ld-linux-aarch64.so.1 \(the arm64 dynamic loader\) is not in the image/);
    await mkdir(join(root, 'lib'));
    await writeFile(join(root, 'lib', 'ld-linux-aarch64.so.1'), '');
    await run('bash', [join(RELEASE_DIR, 'check-arch.sh'), 'arm64', root, join(root, 'arm')]);
  });
});

describe('hack/release/sbom.ts', () => {
  it('lists the image, Node, the Debian packages of status.d and the npm packages bundled (not the dev ones), as SPDX 2.3', async () => {
    const root = await mkdtemp(join(tmpdir(), 'chatcli-sbom-'));
    await mkdir(join(root, 'nodejs', 'bin'), { recursive: true });
    await writeFile(join(root, 'nodejs', 'bin', 'node'), 'not really node');
    await mkdir(join(root, 'var', 'lib', 'dpkg', 'status.d'), { recursive: true });
    await writeFile(join(root, 'var', 'lib', 'dpkg', 'status.d', 'libc6'), 'Package: libc6\nVersion: 2.36-9+deb12u13\nArchitecture: arm64\nSource: glibc\nMaintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\nStatus: install ok installed\n');
    const sbom = async (arch: string) => JSON.parse((await run(process.execPath, [join(RELEASE_DIR, 'sbom.ts'), '--arch', arch, '--version', '9.8.7', '--root', root,
      '--lock', join(PACKAGE_DIR, 'package-lock.json')])).stdout) as { spdxVersion: string; packages: { name: string; versionInfo: string; externalRefs: { referenceLocator: string }[] }[]; relationships: unknown[] };
    const doc = await sbom('arm64');
    assert.equal(doc.spdxVersion, 'SPDX-2.3');
    const purls = doc.packages.map((p) => p.externalRefs[0]!.referenceLocator);
    assert.equal(purls[0], 'pkg:oci/chatcli-operator@9.8.7?arch=arm64');
    assert.ok(purls.includes('pkg:deb/debian/libc6@2.36-9%2Bdeb12u13?arch=arm64&distro=debian-12&upstream=glibc'), purls.join('\n'));
    const lock = JSON.parse(await readFile(join(PACKAGE_DIR, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string; dev?: boolean }> };
    assert.ok(purls.includes(`pkg:npm/yaml@${lock.packages['node_modules/yaml']!.version}`));
    assert.ok(purls.includes(`pkg:generic/node@${lock.packages['node_modules/node']!.version}?arch=arm64`));
    assert.ok(!purls.some((p) => p.startsWith('pkg:npm/typescript@') || p.startsWith('pkg:npm/esbuild@')), 'dev dependencies are not in the image');
    assert.equal(doc.relationships.length, doc.packages.length);
    // A Debian package of another architecture in the image is refused.
    await assert.rejects(sbom('amd64'), /libc6 is arm64 in a amd64 image/);
  });
});

// The release's SBOM of one platform image, SPDX 2.3 JSON on stdout:
//   node hack/release/sbom.ts --arch arm64 --version 0.2.0 --root <image root> --lock package-lock.json
// What the image holds, from where it is recorded exactly:
// - the npm packages bundled into dist/main.js: package-lock.json's packages
//   that are not dev-only (esbuild bundles from those), with their integrity;
// - Node, the npm package "node"'s version (the binary's sha256 from the image);
// - the Debian packages of the runtime base, from the image's
//   /var/lib/dpkg/status.d (hack/images/operator/build-bases.sh writes them as
//   distroless does, so scanners read the same list).
// Our own script rather than syft: syft would see neither the bundled npm
// packages (no node_modules in the image) nor anything a scan can't (hack/release/README.md).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

type Lock = { packages: Record<string, { name?: string; version?: string; dev?: boolean; license?: string; resolved?: string; integrity?: string }> };
type SpdxPackage = {
  SPDXID: string; name: string; versionInfo: string; supplier?: string; downloadLocation: string; filesAnalyzed: false;
  licenseConcluded: string; licenseDeclared: string; copyrightText: string; primaryPackagePurpose?: string;
  checksums?: { algorithm: string; checksumValue: string }[];
  externalRefs: { referenceCategory: 'PACKAGE-MANAGER'; referenceType: 'purl'; referenceLocator: string }[];
};

const { values: args } = parseArgs({ options: { arch: { type: 'string' }, version: { type: 'string' }, root: { type: 'string' }, lock: { type: 'string' } } });
if (!args.arch || !args.version || !args.root || !args.lock) {
  console.error('usage: sbom.ts --arch <amd64|arm64> --version <x.y.z> --root <image root> --lock <package-lock.json>');
  process.exit(2);
}
const { arch, version, root } = args;
const lock = JSON.parse(readFileSync(args.lock, 'utf8')) as Lock;

const ids = new Set<string>();
/** An SPDX id from a name: letters, digits, '.', '-' only, unique. */
function spdxId(kind: string, name: string, v: string): string {
  const base = `SPDXRef-${kind}-${name}-${v}`.replace(/[^A-Za-z0-9.-]/g, '-');
  let id = base;
  for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
  ids.add(id);
  return id;
}
const pkg = (kind: string, name: string, v: string, purl: string, extra: Partial<SpdxPackage> = {}): SpdxPackage => ({
  SPDXID: spdxId(kind, name, v), name, versionInfo: v, downloadLocation: 'NOASSERTION', filesAnalyzed: false,
  licenseConcluded: 'NOASSERTION', licenseDeclared: 'NOASSERTION', copyrightText: 'NOASSERTION',
  externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl }], ...extra,
});

const image = pkg('image', 'chatcli-operator', version, `pkg:oci/chatcli-operator@${version}?arch=${arch}`,
  { primaryPackagePurpose: 'CONTAINER', licenseDeclared: 'Apache-2.0', supplier: 'Organization: chatcli-operator' });

// npm: what dist/main.js bundles.
const npm = Object.entries(lock.packages)
  .filter(([path, p]) => path.startsWith('node_modules/') && !p.dev && path !== 'node_modules/node')
  .map(([path, p]) => {
    const name = p.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const v = p.version ?? 'NOASSERTION';
    const purlName = name.startsWith('@') ? `%40${name.slice(1)}` : name;
    const checksums = p.integrity?.startsWith('sha512-')
      ? [{ algorithm: 'SHA512', checksumValue: Buffer.from(p.integrity.slice(7), 'base64').toString('hex') }] : undefined;
    return pkg('npm', name, v, `pkg:npm/${purlName}@${v}`, {
      downloadLocation: p.resolved ?? 'NOASSERTION', licenseDeclared: p.license ?? 'NOASSERTION', primaryPackagePurpose: 'LIBRARY',
      ...(checksums ? { checksums } : {}),
    });
  })
  .sort((a, b) => a.name.localeCompare(b.name) || a.versionInfo.localeCompare(b.versionInfo));

// Node: the npm "node" package's version; the binary in the image.
const nodeVersion = lock.packages['node_modules/node']?.version;
if (!nodeVersion) throw new Error(`${args.lock}: no node_modules/node (the npm "node" package)`);
const nodeBinary = readFileSync(join(root, 'nodejs/bin/node'));
const node = pkg('binary', 'node', nodeVersion, `pkg:generic/node@${nodeVersion}?arch=${arch}`, {
  downloadLocation: `https://registry.npmjs.org/node-linux-${arch === 'amd64' ? 'x64' : arch}/-/node-linux-${arch === 'amd64' ? 'x64' : arch}-${nodeVersion}.tgz`,
  licenseDeclared: 'MIT', primaryPackagePurpose: 'APPLICATION',
  checksums: [{ algorithm: 'SHA256', checksumValue: createHash('sha256').update(nodeBinary).digest('hex') }],
});

// Debian: dpkg's status.d, one control paragraph per package.
const statusDir = join(root, 'var/lib/dpkg/status.d');
const debian = readdirSync(statusDir).sort().map((file) => {
  const fields = new Map(readFileSync(join(statusDir, file), 'utf8').split('\n')
    .map((l) => /^([A-Za-z-]+): (.*)$/.exec(l)).filter((m) => m !== null).map((m) => [m[1]!, m[2]!]));
  const [name, v, a] = [fields.get('Package'), fields.get('Version'), fields.get('Architecture')];
  if (!name || !v || !a) throw new Error(`${join(statusDir, file)}: no Package, Version or Architecture`);
  if (a !== arch && a !== 'all') throw new Error(`${name} is ${a} in a ${arch} image`);
  const source = fields.get('Source')?.split(' ')[0];
  const purl = `pkg:deb/debian/${name}@${encodeURIComponent(v)}?arch=${a}&distro=debian-12${source ? `&upstream=${encodeURIComponent(source)}` : ''}`;
  return pkg('deb', name, v, purl, { supplier: `Organization: ${fields.get('Maintainer') ?? 'Debian'}`, primaryPackagePurpose: 'LIBRARY' });
});
if (debian.length === 0) throw new Error(`${statusDir}: no packages`);

const packages = [image, node, ...debian, ...npm];
const body = {
  spdxVersion: 'SPDX-2.3',
  dataLicense: 'CC0-1.0',
  SPDXID: 'SPDXRef-DOCUMENT',
  name: `chatcli-operator-${version}-linux-${arch}`,
  creationInfo: {
    // Reproducible: SOURCE_DATE_EPOCH when set (the image's own timestamp is 0).
    created: new Date(Number(process.env.SOURCE_DATE_EPOCH ?? 0) * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
    creators: ['Tool: chatcli-operator-hack-release-sbom'],
  },
  packages,
  relationships: [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: image.SPDXID },
    ...packages.slice(1).map((p) => ({ spdxElementId: image.SPDXID, relationshipType: 'CONTAINS', relatedSpdxElement: p.SPDXID })),
  ],
};
const namespace = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 32);
process.stdout.write(`${JSON.stringify({ ...body, documentNamespace: `https://chatcli-operator.invalid/spdx/${body.name}-${namespace}` }, null, 2)}\n`);

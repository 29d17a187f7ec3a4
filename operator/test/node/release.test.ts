// A release, as a user gets it: `make release` into a real OCI registry (the
// distribution registry, HTTPS with a CA made here), its signatures checked
// with cosign, then on the real node `helm install oci://...` with no operator
// image imported: containerd pulls it from the registry by digest, the operator
// runs, an instance becomes Ready. A second release, then `helm upgrade` to it:
// the CRD is upgraded with the chart and the operator rolls out, while no pod
// of the instance is restarted or replaced.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { ImageName } from '../../hack/images/images.ts';
import { helmRunner, RELEASE_NAME, RELEASE_NAMESPACE, type Helm } from '../../hack/helm/helm.ts';
import { ensureReleaseTool, makeRelease, type Release } from '../../hack/release/tools.ts';
import { CRD_FILE } from '../../src/api/crd.ts';
import { usePlane } from '../support/cluster.ts';
import { apply, createNamespace } from '../support/node.ts';
import { getJson } from '../support/operator.ts';
import { startRegistry, type Registry } from '../support/registry.ts';
import { instancePods, waitForReadyPods, type Instance } from '../support/seed-instances.ts';
import { pinnedVersions } from '../support/versions.ts';
import { eventually } from '../support/wait.ts';
import { PACKAGE_DIR } from '../unit/api/samples.ts';
import { parse } from 'yaml';

const run = promisify(execFile);
const CHATCLI = `v${pinnedVersions().CHATCLI_LATEST ?? ''}`;
// The instance's ChatCLI server image is imported; the operator's is not.
const plane = usePlane('node', { images: [`chatcli:${CHATCLI}` as ImageName] });
const CRD = 'customresourcedefinition/chatcliinstances.chatcli.diillson.com';
const VERSIONS = ['0.2.0-rc.1', '0.2.0-rc.2'] as const;
const NS = 'release-test';
const INSTANCE: Instance = {
  apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance',
  metadata: { name: 'chatcli-released', namespace: NS },
  spec: { provider: 'OPENAI', apiKeys: { name: 'chatcli-api-keys' }, image: { tag: CHATCLI } },
};

type Pod = { metadata: { uid: string; name: string }; spec: { containers: { image: string }[] }; status: { containerStatuses?: { imageID: string; restartCount: number; ready: boolean }[] } };

describe('a release pulled from a registry (real node)', () => {
  let registry: Registry;
  let helm: Helm;
  let cosign: string;
  let keys: string;
  const releases: Release[] = [];
  const log = (l: string) => console.error(l);
  const h = (args: string[]) => helm(args, { kubeconfig: plane().kubeconfigPath });
  const operatorPods = async () => ((await getJson<{ items: Pod[] }>(plane(), ['pods', '-n', RELEASE_NAMESPACE, '-l', 'app.kubernetes.io/name=chatcli-operator']))?.items ?? [])
    .filter((p) => !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp);
  /** cosign verify with the test's public key; what was signed, by digest. */
  const verify = async (args: string[]) => (await run(cosign, [...args, '--key', join(keys, 'cosign.pub'), '--insecure-ignore-tlog=true',
    '--registry-cacert', registry.caFile, '--output', 'json'], { env: { ...process.env, HOME: keys }, maxBuffer: 16 * 1024 * 1024 })).stdout;
  const release = async (version: string) => makeRelease(version, `${registry.host}/chatcli`, {
    COSIGN_KEY: join(keys, 'cosign.key'), COSIGN_PASSWORD: 'test-only', REGISTRY_CA_FILE: registry.caFile,
    RELEASE_OUT: join(keys, `release-${version}`),
  }, log);

  before(async () => {
    helm = await helmRunner(log);
    cosign = await ensureReleaseTool('cosign', log);
    registry = await startRegistry(log);
    await plane().node!.trustRegistry(registry.host, registry.caPem);
    // A key pair for this run only (keyless signing is the public CI's: RELEASING.md).
    keys = await mkdtemp(join(tmpdir(), 'chatcli-release-keys-'));
    await run(cosign, ['generate-key-pair', '--output-key-prefix', join(keys, 'cosign')], { env: { ...process.env, COSIGN_PASSWORD: 'test-only' } });
  }, { timeout: 3_600_000 });
  after(async () => {
    await registry?.stop();
    if (keys) await rm(keys, { recursive: true, force: true });
  });

  it(`make release ${VERSIONS[0]}: a signed amd64+arm64 index, SBOM attestations, and a signed chart pinned to the index`, { timeout: 3_600_000 }, async () => {
    const r = await release(VERSIONS[0]);
    releases.push(r);
    assert.match(r.image, new RegExp(`^${registry.host}/chatcli/chatcli-operator@sha256:[0-9a-f]{64}$`));
    assert.deepEqual(Object.keys(r.platforms).sort(), ['linux/amd64', 'linux/arm64']);
    const signed = JSON.parse(await verify(['verify', r.image])) as { critical: { image: { 'docker-manifest-digest': string } } }[];
    assert.ok(signed.some((s) => `${r.image.split('@')[0]}@${s.critical.image['docker-manifest-digest']}` === r.image));
    await verify(['verify', r.platforms['linux/arm64'] && `${r.image.split('@')[0]}@${r.platforms['linux/arm64']}`]);
    await verify(['verify-attestation', '--type', 'spdxjson', `${r.image.split('@')[0]}@${r.platforms['linux/arm64']}`]);
    await verify(['verify', `${r.chart.replace(/^oci:\/\//, '')}@${r.chartDigest}`]);
    // A signature by another key is refused.
    await run(cosign, ['generate-key-pair', '--output-key-prefix', join(keys, 'other')], { env: { ...process.env, COSIGN_PASSWORD: 'x' } });
    await assert.rejects(run(cosign, ['verify', r.image, '--key', join(keys, 'other.pub'), '--insecure-ignore-tlog=true', '--registry-cacert', registry.caFile], { env: { ...process.env, HOME: keys } }));
  });

  it('helm install oci://...@<chart digest> with no operator image on the node: containerd pulls it by digest, an instance becomes Ready', { timeout: 600_000 }, async () => {
    const r = releases[0]!;
    const node = plane().node!;
    assert.doesNotMatch(await node.ctr(['images', 'ls', '-q']), /chatcli-operator/, 'no operator image imported');
    // The chart pinned by digest, as README.md's verified install does.
    await h(['install', RELEASE_NAME, `${r.chart}@${r.chartDigest}`, '--ca-file', registry.caFile, '--namespace', RELEASE_NAMESPACE, '--create-namespace',
      '--set', 'replicas=1', '--wait', '--timeout', '300s']);
    const [pod] = await operatorPods();
    assert.equal(pod!.spec.containers[0]!.image, r.image);
    assert.match(pod!.status.containerStatuses![0]!.imageID, new RegExp(`${r.image.split('@')[1]}$`));
    assert.match(await node.ctr(['images', 'ls', '-q']), new RegExp(`${registry.host}/chatcli/chatcli-operator@${r.image.split('@')[1]}`));
    assert.match(await plane().kubectl(['get', CRD, '-o', 'jsonpath={.metadata.labels.app\\.kubernetes\\.io/version}']), new RegExp(`^${VERSIONS[0]}$`));

    await createNamespace(plane(), NS);
    await apply(plane(), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'chatcli-api-keys', namespace: NS }, stringData: { OPENAI_API_KEY: 'placeholder-not-a-key' } }, INSTANCE);
    await waitForReadyPods(plane(), INSTANCE, { timeoutMs: 240_000 });
  });

  it(`make release ${VERSIONS[1]}, helm upgrade: the CRD upgraded, the operator rolled out, no instance pod restarted`, { timeout: 3_600_000 }, async () => {
    const r = await release(VERSIONS[1]);
    releases.push(r);
    assert.notEqual(r.image, releases[0]!.image);
    const before = await instancePods(plane(), INSTANCE);
    const operatorBefore = (await operatorPods()).map((p) => p.metadata.uid);
    assert.equal(before.length, 1);
    await h(['upgrade', RELEASE_NAME, r.chart, '--version', VERSIONS[1], '--ca-file', registry.caFile, '--namespace', RELEASE_NAMESPACE,
      // Not --reuse-values: that keeps the old chart's defaults, so the old image.digest.
      '--reset-then-reuse-values', '--wait', '--timeout', '300s']);
    await eventually('the operator rolled out to the new image', async () => {
      const pods = await operatorPods();
      return pods.length === 1 && pods[0]!.spec.containers[0]!.image === r.image && pods[0]!.status.containerStatuses?.[0]?.ready === true
        && !operatorBefore.includes(pods[0]!.metadata.uid);
    }, 120_000);
    // The CRD is the chart's: this release's, and its spec what src/api generates.
    const crd = JSON.parse(await plane().kubectl(['get', CRD, '-o', 'json'])) as { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: unknown };
    assert.equal(crd.metadata.labels['app.kubernetes.io/version'], VERSIONS[1]);
    assert.equal(crd.metadata.annotations['helm.sh/resource-policy'], 'keep');
    const generated = parse(await readFile(join(PACKAGE_DIR, CRD_FILE), 'utf8')) as { spec: { versions: { name: string; schema: unknown }[] } };
    assert.deepEqual((crd.spec as typeof generated.spec).versions[0]!.schema, generated.spec.versions[0]!.schema);
    // The new operator reconciled the instance and changed nothing in its pods.
    await eventually('the instance reconciled by the new operator, still Ready', async () => {
      const now = await getJson<Instance & { status?: { ready?: boolean; observedGeneration?: number } }>(plane(), ['chatcliinstance', INSTANCE.metadata.name, '-n', NS]);
      return now?.status?.ready === true;
    }, 60_000);
    const after = await instancePods(plane(), INSTANCE);
    assert.deepEqual(after.map((p) => [p.metadata.uid, p.status.containerStatuses?.map((c) => c.restartCount)]),
      before.map((p) => [p.metadata.uid, p.status.containerStatuses?.map((c) => c.restartCount)]));
    await h(['uninstall', RELEASE_NAME, '--namespace', RELEASE_NAMESPACE, '--wait', '--timeout', '120s']);
    assert.match(await plane().kubectl(['get', CRD, '-o', 'name']), /chatcliinstances/, 'kept (crds.keep)');
  });
});

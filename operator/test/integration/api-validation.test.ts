// The ChatCLIInstance CRD on a real kube-apiserver: it refuses every mistake of
// the invalid-instance corpus with a message naming the field, exactly where
// the offline validator (render) does; it accepts the seed's samples and
// stores them with the seed's defaults, the same ones withDefaults() applies;
// it accepts the valid-instance corpus (every provider, workload identity);
// and `kubectl explain` documents the watcher's targets.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { CRD_NAME, GROUP, KIND, PLURAL, SINGULAR, VERSION, WatchTargetSpec } from '../../src/api/chatcliinstance.ts';
import { CRD_FILE, crdManifest } from '../../src/api/crd.ts';
import { withDefaults } from '../../src/api/defaults.ts';
import { validateInstance } from '../../src/api/validate.ts';
import type { ChatCLIInstance } from '../../src/api/chatcliinstance.ts';
import { ApiError, closeConnections, request } from '../../src/runtime/kube.ts';
import { waitForCrd } from '../../hack/controlplane/wait.ts';
import { usePlane } from '../support/cluster.ts';
import { INVALID_CASES } from '../unit/api/invalid-instances.ts';
import { VALID_CASES } from '../unit/api/valid-instances.ts';
import { MINIMAL_SPEC_WITH_SEED_DEFAULTS, PACKAGE_DIR, SAMPLE_FILES, readSample } from '../unit/api/samples.ts';
import { retrying } from '../support/wait.ts';

const plane = usePlane('api');
let kc: KubeConfig;
let namespace: string;

const collection = () => `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;

interface StatusCause {
  field?: string;
  message?: string;
}

/** Creates with server-side dry run and strict field validation (kubectl's default); returns the refusal. */
async function refusalOf(instance: Record<string, unknown>): Promise<ApiError> {
  const body = { ...instance, metadata: { ...(instance.metadata as object), namespace } };
  try {
    await request(kc, { method: 'POST', path: collection(), query: { dryRun: 'All', fieldValidation: 'Strict' }, body });
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  assert.fail('the API server accepted it');
}


describe('the ChatCLIInstance API on a real API server', () => {
  before(async () => {
    const p = plane();
    kc = p.adminKubeConfig();
    await p.kubectl(['apply', '--server-side', '-f', `${PACKAGE_DIR}/${CRD_FILE}`]);
    await waitForCrd(p.kubectl, CRD_NAME);
    namespace = `api-validation-${randomBytes(3).toString('hex')}`;
    await p.kubectl(['create', 'namespace', namespace]);
  });

  after(async () => {
    if (namespace) await plane().kubectl(['delete', PLURAL, '--all', '-n', namespace, '--wait=false']).catch(() => undefined);
    if (namespace) await plane().kubectl(['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
    if (kc) closeConnections(kc);
  });

  describe('the API server refuses an invalid ChatCLIInstance, naming the field', () => {
    for (const c of INVALID_CASES) {
      const expected = c.refusedAtDecoding ? 400 : 422;
      it(`${c.name}: ${expected} at ${c.path}`, async () => {
        const refusal = await refusalOf(c.instance);
        assert.equal(refusal.status, expected, refusal.message);
        const message = refusal.body?.message ?? '';
        assert.ok(message.includes(`${c.path}`), `the message does not name ${c.path}: ${message}`);
        if (c.message) assert.ok(message.includes(`${c.path}: `) && message.includes(c.message), `the message does not say "${c.message}" at ${c.path}: ${message}`);

        // The offline validator names the same fields as the server's causes.
        const offline = validateInstance(c.instance).map((e) => e.path);
        assert.ok(offline.includes(c.path), `validateInstance does not name ${c.path}: ${offline.join(', ')}`);
        if (!c.refusedAtDecoding) {
          const causes = ((refusal.body?.details as { causes?: StatusCause[] } | undefined)?.causes ?? [])
            .map((cause) => cause.field ?? '')
            .filter((field) => field !== '' && field !== '<nil>');
          assert.deepEqual(new Set(causes), new Set(offline.filter((p) => p !== '')), `server: ${message}`);
        }
      });
    }
  });

  describe('the API server accepts the valid-instance corpus (every provider, workload identity) as the offline validator does', () => {
    for (const c of VALID_CASES) {
      it(c.name, async () => {
        const body = { ...c.instance, metadata: { ...(c.instance.metadata as object), namespace } };
        const created = await request<ChatCLIInstance>(kc, { method: 'POST', path: collection(), query: { dryRun: 'All', fieldValidation: 'Strict' }, body });
        const spec = c.instance.spec as ChatCLIInstance['spec'];
        assert.equal(created.spec.provider, spec.provider);
        assert.deepEqual(created.spec.serviceAccount, spec.serviceAccount);
        assert.deepEqual(validateInstance(c.instance), []);
      });
    }
  });

  describe('the API server accepts the seed samples and stores them with the seed defaults', () => {
    const stored = new Map<string, ChatCLIInstance>();

    before(async () => {
      for (const file of SAMPLE_FILES) {
        const sample = readSample(file);
        const body = { ...sample, metadata: { ...sample.metadata, namespace } };
        stored.set(file, await request<ChatCLIInstance>(kc, { method: 'POST', path: collection(), query: { fieldValidation: 'Strict' }, body }));
      }
    });

    for (const file of SAMPLE_FILES) {
      it(`stores ${file} exactly as withDefaults() fills it`, async () => {
        const sample = readSample(file);
        const read = await request<ChatCLIInstance>(kc, { method: 'GET', path: `${collection()}/${sample.metadata.name}` });
        assert.deepEqual(read, stored.get(file));
        assert.deepEqual(validateInstance(sample), []);
        assert.deepEqual(read.spec, withDefaults(sample as unknown as ChatCLIInstance).spec);
      });
    }

    it('fills the minimal sample with the values of the seed tables', async () => {
      const read = await request<ChatCLIInstance>(kc, { method: 'GET', path: `${collection()}/chatcli-simple` });
      assert.deepEqual(read.spec, MINIMAL_SPEC_WITH_SEED_DEFAULTS);
    });

    it('defaults each target of the multi-target sample (metricsPort 0, metricsPath /metrics) and keeps the legacy sample\'s interval', async () => {
      const multi = await request<ChatCLIInstance>(kc, { method: 'GET', path: `${collection()}/chatcli-multi` });
      assert.deepEqual(multi.spec.watcher?.targets?.[2], { deployment: 'worker', namespace: 'batch', kind: 'Deployment', metricsPort: 0, metricsPath: '/metrics' });
      assert.equal(multi.spec.watcher?.maxLogLines, 100);
      const legacy = await request<ChatCLIInstance>(kc, { method: 'GET', path: `${collection()}/chatcli-watcher` });
      assert.deepEqual(legacy.spec.watcher, {
        enabled: true,
        deployment: 'myapp',
        namespace: 'production',
        interval: '15s',
        window: '2h',
        maxLogLines: 100,
        maxContextChars: 8000,
      });
    });

    it('keeps status out of a spec write (status subresource)', async () => {
      const path = `${collection()}/chatcli-simple`;
      const read = await request<ChatCLIInstance>(kc, { method: 'GET', path });
      const written = await request<ChatCLIInstance>(kc, { method: 'PUT', path, body: { ...read, status: { ready: true, replicas: 1 } } });
      assert.equal(written.status, undefined);
      const withStatus = await request<ChatCLIInstance>(kc, { method: 'PUT', path: `${path}/status`, body: { ...written, status: { ready: true, replicas: 1 } } });
      assert.deepEqual(withStatus.status, { ready: true, replicas: 1 });
    });

    it('lists them by short name with the READY, REPLICAS and PROVIDER columns', async () => {
      // The short name comes from discovery, which the API server updates after the CRD is Established.
      const out = await retrying(() => plane().kubectl(['get', 'cci', '-n', namespace]), 30_000, 250);
      const [header, ...lines] = out.trim().split('\n');
      assert.deepEqual(header?.split(/\s+/), ['NAME', 'READY', 'REPLICAS', 'PROVIDER', 'AGE']);
      assert.deepEqual(lines.map((l) => l.split(/\s+/)[0]).sort(), ['chatcli-multi', 'chatcli-prod', 'chatcli-simple', 'chatcli-watcher']);
      // chatcli-simple got a status in the test before.
      assert.ok(lines.some((l) => /^chatcli-simple\s+true\s+1\s+OPENAI\s/.test(l)), out);
      assert.ok(lines.some((l) => /^chatcli-prod\s+CLAUDEAI\s/.test(l)), out);
    });
  });

  describe('kubectl explain', () => {
    it('documents every field of spec.watcher.targets', async () => {
      const out = await retrying(() => plane().kubectl(['explain', `${SINGULAR}.spec.watcher.targets`]), 30_000, 250);
      const text = out.replace(/\s+/g, ' ');
      assert.ok(text.includes(`GROUP: ${GROUP} KIND: ${KIND} VERSION: ${VERSION}`), out);
      const targets = crdManifest().spec.versions[0]?.schema.openAPIV3Schema.properties?.spec?.properties?.watcher?.properties?.targets?.items;
      assert.deepEqual(Object.keys(targets?.properties ?? {}).sort(), Object.keys(WatchTargetSpec.properties).sort());
      for (const [field, schema] of Object.entries(targets?.properties ?? {})) {
        const required = targets?.required?.includes(field) ? ' -required-' : '';
        // An enum's values come between the type and the description.
        const documented = text.includes(`>${required} ${schema.description}`) || (schema.enum !== undefined && new RegExp(`> enum: [^\\n]*? ${(schema.description ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).test(text));
        assert.ok(text.includes(`${field} <`) && documented, `explain does not document ${field}:\n${out}`);
      }
      assert.ok(text.includes('Default: "/metrics".'), out);
    });
  });
});

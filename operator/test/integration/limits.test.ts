// Sizes on a real kube-apiserver: what the CRD accepts (it counts characters)
// against what the API server refuses (it counts bytes) in the objects an
// instance becomes. The API server's own limits, measured at their edge; the
// rendered objects of the oversized instances refused by it; the operator
// reporting those instances naming the field, with nothing applied; and a
// model of 200 emoji (200 characters, 400 UTF-16 units) applied.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_VERSION, KIND, type ChatCLIInstance } from '../../src/api/chatcliinstance.ts';
import { withDefaults } from '../../src/api/defaults.ts';
import { desiredObjects, type KubeObject } from '../../src/desired/index.ts';
import { ANNOTATIONS_MAX_BYTES, CONFIGMAP_DATA_MAX_BYTES, oversizeErrors } from '../../src/desired/limits.ts';
import { ownedObjectsSelector } from '../../src/desired/names.ts';
import { usePlane } from '../support/cluster.ts';
import { eventually, getJson, useOperator } from '../support/operator.ts';

const plane = usePlane('api');

interface Condition { type: string; status: string; reason: string; message: string }
interface Instance { status?: { conditions?: Condition[] } }

/** `count` annotations of 4096 "€": 4096 characters for the CRD, 12288 bytes for the API server. */
const euros = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`example.com/note-${i}`, '€'.repeat(4096)]));
/** 64 targets of 32 filters of 256 quotes: a 1.05 MB instance whose watch-config escapes each quote to two bytes. */
const quoteTargets = (namespace: string) => Array.from({ length: 64 }, (_, i) => ({ deployment: `app-${i}`, namespace, metricsFilter: Array.from({ length: 32 }, () => '"'.repeat(256)) }));

function instanceOf(namespace: string, name: string, spec: Record<string, unknown>): ChatCLIInstance {
  return { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace }, spec: { provider: 'OPENAI', ...spec } } as unknown as ChatCLIInstance;
}

/** Creates (`kubectl create`: no last-applied annotation, which would be as large as the instance). */
async function create(obj: object, dryRun = false): Promise<void> {
  await plane().kubectl(['create', ...(dryRun ? ['--dry-run=server'] : []), '-f', '-'], JSON.stringify(obj));
}

/** The API server's refusal of a server-side dry-run create, or undefined when it accepts it. */
async function refusal(obj: object): Promise<string | undefined> {
  try {
    await create(obj, true);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The API server's words for a size over its limit, at `field` when given. */
const tooLong = (limit: number, field?: string) =>
  new RegExp(`${field ? `${field.replaceAll('.', '\\.')}: ` : ''}Too long: may not be more than ${limit} bytes`);

/** The object of this kind that an instance renders to, as the operator would apply it. */
function rendered(instance: ChatCLIInstance, kind: string, name: string): KubeObject {
  const found = desiredObjects(withDefaults(instance)).find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name} rendered`);
  return found;
}

/** A ConfigMap whose data values total `bytes`, under one key of `keyLength`. */
const configMapOf = (namespace: string, bytes: number, keyLength = 1) =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'edge', namespace }, data: { ['k'.repeat(keyLength)]: 'x'.repeat(bytes) } });

/**
 * An object whose annotations total `bytes` (keys and values), in as many
 * values as it takes: a ConfigMap, whose metadata the API server validates as
 * it does a pod template's (a Pod would need the namespace's ServiceAccount,
 * which api mode never creates).
 */
function annotatedObject(namespace: string, bytes: number): object {
  const annotations: Record<string, string> = {};
  for (let i = 0, left = bytes; left > 0; i++) {
    const key = `example.com/a${String(i).padStart(3, '0')}`;
    const value = 'x'.repeat(Math.min(left - key.length, 65_536));
    annotations[key] = value;
    left -= key.length + value.length;
  }
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'annotated', namespace, annotations } };
}

const reconcileCondition = async (ns: string, name: string) =>
  (await getJson<Instance>(plane(), ['chatcliinstance', name, '-n', ns]))?.status?.conditions?.find((c) => c.type === 'ReconcileSucceeded');

/** Every object labelled for the instance, of the kinds it becomes in its namespace. */
async function objectsOf(ns: string, name: string): Promise<string[]> {
  const listed = await getJson<{ items: { kind: string; metadata: { name: string } }[] }>(plane(), [
    'deployment,service,configmap,serviceaccount,persistentvolumeclaim,role,rolebinding', '-n', ns, '-l', ownedObjectsSelector({ namespace: ns, name }),
  ]);
  return listed?.items.map((i) => `${i.kind} ${i.metadata.name}`) ?? [];
}

describe('sizes on the API server', () => {
  // The CRD and the operator for every test: the instances are dry-run created too.
  useOperator(plane);

  describe('what the API server counts in bytes', () => {
    const ns = 'limits-edge';

    it('measures the limits where the API server puts them: 256 KiB of annotation keys and values, 1 MiB of ConfigMap values', async () => {
      await plane().kubectl(['create', 'namespace', ns]);
      assert.equal(await refusal(annotatedObject(ns, ANNOTATIONS_MAX_BYTES)), undefined, 'exactly 256 KiB of annotations');
      assert.match((await refusal(annotatedObject(ns, ANNOTATIONS_MAX_BYTES + 1))) ?? 'accepted', tooLong(ANNOTATIONS_MAX_BYTES, 'metadata.annotations'));
      assert.equal(await refusal(configMapOf(ns, CONFIGMAP_DATA_MAX_BYTES)), undefined, 'exactly 1 MiB of values');
      assert.equal(await refusal(configMapOf(ns, CONFIGMAP_DATA_MAX_BYTES, 200)), undefined, 'keys do not count');
      assert.match((await refusal(configMapOf(ns, CONFIGMAP_DATA_MAX_BYTES + 1))) ?? 'accepted', tooLong(CONFIGMAP_DATA_MAX_BYTES));
    });

    it('refuses what the oversized instances render to, though it accepts the instances: the pod template of 22 podAnnotations of 4096 "€", the watch-config of 64 targets x 32 filters of quotes', async () => {
      const annotated = instanceOf(ns, 'annotated', { podAnnotations: euros(22) });
      const filtered = instanceOf(ns, 'filtered', { watcher: { enabled: true, targets: quoteTargets(ns) } });
      for (const i of [annotated, filtered]) assert.equal(await refusal(i), undefined, `the CRD accepts ${i.metadata.name}`);
      assert.match((await refusal(rendered(annotated, 'Deployment', 'annotated'))) ?? 'accepted', tooLong(ANNOTATIONS_MAX_BYTES, 'spec.template.annotations'));
      assert.match((await refusal(rendered(filtered, 'ConfigMap', 'filtered-watch-config'))) ?? 'accepted', tooLong(CONFIGMAP_DATA_MAX_BYTES));
      // And the operator's check names both, before anything is applied.
      assert.deepEqual(oversizeErrors(desiredObjects(withDefaults(annotated))).map((e) => e.path), ['spec.podAnnotations']);
      assert.deepEqual(oversizeErrors(desiredObjects(withDefaults(filtered))).map((e) => e.path), ['spec.watcher.targets']);
    });
  });

  describe('the operator and sizes', () => {
    it('reports an instance whose pod template the API server would refuse, naming spec.podAnnotations and the limit, and applies nothing of it', async () => {
      const ns = 'limits-annotations';
      await plane().kubectl(['create', 'namespace', ns]);
      await create(instanceOf(ns, 'chat', { podAnnotations: euros(22) }));
      await eventually('ReconcileSucceeded=False', async () => (await reconcileCondition(ns, 'chat'))?.status === 'False');
      const condition = await reconcileCondition(ns, 'chat');
      assert.match(condition?.message ?? '', new RegExp(`spec\\.podAnnotations: Too long: .* at most ${ANNOTATIONS_MAX_BYTES}`));
      assert.deepEqual(await objectsOf(ns, 'chat'), [], 'nothing applied');
    });

    it('reports an instance whose watch-config the API server would refuse, naming spec.watcher.targets and the limit, and applies nothing of it', async () => {
      const ns = 'limits-watch-config';
      await plane().kubectl(['create', 'namespace', ns]);
      await create(instanceOf(ns, 'chat', { watcher: { enabled: true, targets: quoteTargets(ns) } }));
      await eventually('ReconcileSucceeded=False', async () => (await reconcileCondition(ns, 'chat'))?.status === 'False');
      const condition = await reconcileCondition(ns, 'chat');
      assert.match(condition?.message ?? '', new RegExp(`spec\\.watcher\\.targets: Too long: .* at most ${CONFIGMAP_DATA_MAX_BYTES}`));
      assert.deepEqual(await objectsOf(ns, 'chat'), [], 'nothing applied');
    });

    it('applies a model of 200 emoji, which the API server accepts as 200 characters', async () => {
      const ns = 'limits-emoji';
      const model = '\u{1F600}'.repeat(200);
      await plane().kubectl(['create', 'namespace', ns]);
      await create(instanceOf(ns, 'chat', { model }));
      await eventually('the Deployment', async () => (await getJson(plane(), ['deployment', 'chat', '-n', ns])) !== undefined);
      const env = await getJson<{ data: Record<string, string> }>(plane(), ['configmap', 'chat', '-n', ns]);
      assert.ok(Object.values(env?.data ?? {}).includes(model), 'the model reaches the environment ConfigMap');
      await eventually('ReconcileSucceeded=True', async () => (await reconcileCondition(ns, 'chat'))?.status === 'True');
    });
  });
});

// The proof that the ChatCLI server works under the operator: on the real
// node, the operator deployed in-cluster by `make deploy` from its own image,
// every seed sample of every supported ChatCLI version runs as real pods, and
// the test process reaches each server through its Service's ClusterIP (via
// kube-proxy) with the gRPC client of that version. Placeholder API keys: no
// request ever reaches an LLM provider.
import assert from 'node:assert/strict';
import { createHmac, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { before, describe, it } from 'node:test';
import { deployOperator, OPERATOR_DEPLOYMENT, OPERATOR_NAMESPACE } from '../../hack/deploy.ts';
import { ensureImage, type ImageName } from '../../hack/images/images.ts';
import { NODE_NAME } from '../../hack/node/layout.ts';
import { serviceAccountName, WATCHABLE_NAMESPACE_LABEL, WATCHABLE_NAMESPACE_VALUE } from '../../src/desired/names.ts';
import { chatcliProto, refusal, withClient, type ConnectOptions } from '../support/chatcli-grpc.ts';
import { usePlane } from '../support/cluster.ts';
import { apply, createNamespace } from '../support/node.ts';
import { getJson } from '../support/operator.ts';
import {
  canI, claimDirectory, condition, getInstance, instancePods, patchSpec, sampleInstance, SAMPLES, secretValue, serviceConnection,
  serviceDnsNames, servingDeployment, stateDirOnHost, tlsSecret, waitForReadyPods, watchClaimHolders, watchedTargets,
  podReady, type Instance, type InstanceSpec, type PodView, type SampleName,
} from '../support/seed-instances.ts';
import { pinnedVersions } from '../support/versions.ts';
import { eventually, retrying } from '../support/wait.ts';

const VERSIONS = (pinnedVersions().CHATCLI_VERSIONS ?? '').split(/\s+/).filter(Boolean);
const plane = usePlane('node', { images: ['probe', ...VERSIONS.map((v) => `chatcli:v${v}` as ImageName), 'operator'] });

/** Where the supported releases differ, as seen through the Service. */
const BEHAVIOUR: Record<string, { wrongTokenCode: string; allowedForbidden?: (line: string) => boolean }> = {
  '1.57.1': { wrongTokenCode: 'PERMISSION_DENIED' },
  // k8s/collector.go NodeCollector: reads the Node its target pods run on, which
  // the watcher is deliberately not granted (cluster-wide); logged at debug
  // (k8s/watcher.go "Failed to get node"), the error JSON-quoted in the line.
  '1.188.0': {
    wrongTokenCode: 'UNAUTHENTICATED',
    allowedForbidden: (line) => /DEBUG.*\tFailed to get node\t/.test(line) && line.includes(`nodes \\"${NODE_NAME}\\" is forbidden`),
  },
};
const SAMPLE_NAMES = Object.keys(SAMPLES) as SampleName[];
const TARGET_NAMESPACES = ['production', 'batch', 'ml'];
/** Replicas of each watched Deployment (namespace/name); the rest have one. */
const TARGET_REPLICAS: Record<string, number> = { 'production/api-gateway': 2 };
const replicasOf = (t: { namespace: string; deployment: string }) => TARGET_REPLICAS[`${t.namespace}/${t.deployment}`] ?? 1;
const MESSAGES = [{ role: 'user', content: 'hello' }, { role: 'assistant', content: 'hi, from the real node' }];
const SESSION = 'proof-session';

const namespaceOf = (version: string) => `chatcli-v${version.replaceAll('.', '-')}`;
const instancesOf = (version: string): Record<SampleName, Instance> =>
  Object.fromEntries(SAMPLE_NAMES.map((s) => [s, sampleInstance(s, { namespace: namespaceOf(version), suffix: `v${version.replaceAll('.', '-')}`, tag: `v${version}` })])) as Record<SampleName, Instance>;
const INSTANCES = Object.fromEntries(VERSIONS.map((v) => [v, instancesOf(v)])) as Record<string, Record<SampleName, Instance>>;
const MISSING_SECRET: Instance = {
  apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance',
  metadata: { name: 'chatcli-nokeys', namespace: 'chatcli-missing-secret' },
  spec: { provider: 'OPENAI', apiKeys: { name: 'absent-keys' } },
};

// --- Today's ChatCLI features (spec fields for v1.188.0), one instance per version with the same spec.
const FEATURES_NS = 'chatcli-features';
const STATEFUL_NS = 'stateful';
const FEATURES_METRICS_PORT = 9191;
const FEATURES_RATE = { rps: 0.1, burst: 5 };
const JWT = { key: randomBytes(32).toString('hex'), issuer: 'https://idp.chatcli.test', audience: 'chatcli-proof' };
const persona = (name: string, description: string, body: string) => `---\nname: ${name}\ndescription: ${description}\n---\n${body}\n`;
const featuresOf = (version: string): Instance => ({
  apiVersion: 'chatcli.diillson.com/v1alpha1', kind: 'ChatCLIInstance',
  metadata: { name: `features-v${version.replaceAll('.', '-')}`, namespace: FEATURES_NS },
  spec: {
    provider: 'OPENROUTER',
    image: { tag: `v${version}` },
    apiKeys: { name: 'features-keys' },
    server: {
      token: { name: 'features-auth', key: 'token' },
      metrics: { port: FEATURES_METRICS_PORT },
      security: {
        jwt: { secret: { name: 'features-jwt', key: 'hmac-key' }, issuer: JWT.issuer, audience: JWT.audience },
        rateLimit: FEATURES_RATE,
        auditLog: { enabled: true },
      },
    },
    agents: { configMaps: [{ name: 'features-agents' }] },
    skills: { configMaps: [{ name: 'features-skills' }] },
    persistence: { enabled: true },
    watcher: { enabled: true, interval: '10s', targets: [{ deployment: 'db', namespace: STATEFUL_NS, kind: 'StatefulSet' }] },
  } as InstanceSpec,
});
const FEATURES = Object.fromEntries(VERSIONS.map((v) => [v, featuresOf(v)])) as Record<string, Instance>;

function featuresObjects(): object[] {
  const labels = { app: 'db' };
  const secret = (name: string, stringData: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: FEATURES_NS }, stringData });
  const configMap = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: FEATURES_NS }, data });
  return [
    secret('features-keys', { OPENROUTER_API_KEY: 'placeholder-not-a-key', LOG_LEVEL: 'debug' }),
    secret('features-auth', { token: randomBytes(16).toString('hex') }),
    secret('features-jwt', { 'hmac-key': JWT.key }),
    configMap('features-agents', { 'reviewer.md': persona('reviewer', 'Reviews a change (before)', 'Review the diff.') }),
    configMap('features-skills', { 'k8s-triage.md': persona('k8s-triage', 'Triage a pod', 'Describe the pod.') }),
    {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: STATEFUL_NS },
      spec: {
        replicas: 1, serviceName: 'db', selector: { matchLabels: labels },
        template: (servingDeployment(STATEFUL_NS, 'db', 1, 8080) as { spec: { template: object } }).spec.template,
      },
    },
  ];
}

/** A compact JWT signed with HMAC-SHA256, as v1.188.0 server/auth.go checks it. */
function signedJwt(claims: Record<string, unknown>, key: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
}
const jwtClaims = () => ({ sub: 'alice', iss: JWT.issuer, aud: JWT.audience, exp: Math.floor(Date.now() / 1000) + 300 });

/** Every Deployment some sample watches, with the port its metrics are scraped on. */
function targetDeployments(): object[] {
  const all = new Map<string, object>();
  for (const sample of Object.values(INSTANCES[VERSIONS[0] ?? ''] ?? {})) {
    const ports = new Map(((sample.spec.watcher?.targets ?? []) as { deployment: string; namespace: string; metricsPort?: number }[])
      .map((t) => [`${t.namespace}/${t.deployment}`, t.metricsPort]));
    for (const t of watchedTargets(sample.spec)) {
      const key = `${t.namespace}/${t.deployment}`;
      if (!all.has(key)) all.set(key, servingDeployment(t.namespace, t.deployment, replicasOf(t), ports.get(key) ?? 8080));
    }
  }
  return [...all.values()];
}

async function versionSecrets(version: string): Promise<object[]> {
  const namespace = namespaceOf(version);
  const keys = { OPENAI_API_KEY: 'placeholder-not-a-key', ANTHROPIC_API_KEY: 'placeholder-not-a-key', LOG_LEVEL: 'debug' };
  const secret = (name: string, stringData: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData });
  return [
    secret('chatcli-api-keys', keys),
    secret('chatcli-api-keys-rotated', keys),
    secret('chatcli-auth', { token: randomBytes(16).toString('hex'), 'token-rotated': randomBytes(16).toString('hex') }),
    await tlsSecret(namespace, 'chatcli-tls', serviceDnsNames(INSTANCES[version]!.full)),
  ];
}

const podLogs = async (i: Instance, pod: PodView) => await plane().kubectl(['logs', pod.metadata.name, '-n', i.metadata.namespace]);
/** A call through the Service right after a rollout: the endpoints and kube-proxy catch up within seconds. */
const soon = <T>(call: () => Promise<T>) => retrying(call, 20_000, 500);

describe('the ChatCLI server under the operator, on the real node', () => {
  let operatorImage = '';
  before(async () => {
    const p = plane();
    // The sources may have changed since the plane imported an operator image: import the current one.
    const operator = await ensureImage('operator');
    operatorImage = operator.ref;
    if (!(await p.node!.ctr(['images', 'ls', '-q'])).split('\n').includes(operatorImage)) await p.node!.importImages([operator.archive]);
    await deployOperator({ kubectlBin: join(p.binDir, 'kubectl'), kubeconfig: p.kubeconfigPath, kubectl: p.kubectl }, operatorImage);
    for (const ns of [...TARGET_NAMESPACES, STATEFUL_NS]) await createNamespace(p, ns, { [WATCHABLE_NAMESPACE_LABEL]: WATCHABLE_NAMESPACE_VALUE });
    for (const ns of [...VERSIONS.map(namespaceOf), MISSING_SECRET.metadata.namespace, FEATURES_NS]) await createNamespace(p, ns);
    await apply(p, ...targetDeployments(), ...(await Promise.all(VERSIONS.map(versionSecrets))).flat(), ...featuresObjects());
    await apply(p, ...VERSIONS.flatMap((v) => Object.values(INSTANCES[v]!)), MISSING_SECRET, ...Object.values(FEATURES));
  }, { timeout: 300_000 });

  it('make deploy runs the operator in-cluster: 2 replicas Ready by their probes, one holds the Lease, in-cluster configuration', { timeout: 120_000 }, async () => {
    const p = plane();
    const deployment = await getJson<{ spec: { replicas: number; template: { spec: { containers: { image: string; readinessProbe: { httpGet: { path: string } } }[] } } }; status: { readyReplicas?: number } }>(
      p, ['deployment', OPERATOR_DEPLOYMENT, '-n', OPERATOR_NAMESPACE]);
    assert.equal(deployment?.spec.replicas, 2);
    assert.equal(deployment?.status.readyReplicas, 2);
    assert.equal(deployment?.spec.template.spec.containers[0]?.image, operatorImage, 'make deploy set IMG');
    assert.equal(deployment?.spec.template.spec.containers[0]?.readinessProbe.httpGet.path, '/readyz');
    const pods = (await getJson<{ items: PodView[] }>(p, ['pods', '-n', OPERATOR_NAMESPACE, '-l', 'app.kubernetes.io/name=chatcli-operator']))?.items ?? [];
    assert.equal(pods.length, 2);
    for (const pod of pods) {
      assert.ok(pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'), `${pod.metadata.name} Ready`);
      assert.equal(pod.status.containerStatuses?.[0]?.restartCount, 0, `${pod.metadata.name} never restarted`);
      // What the kubelet's probes ask, asked from the host on the bridge: both answer, the standby too.
      for (const path of ['/readyz', '/healthz']) {
        assert.equal((await fetch(`http://${pod.status.podIP}:8081${path}`)).status, 200, `${pod.metadata.name} ${path}`);
      }
    }
    let holder = '';
    await eventually('a Lease holder', async () => {
      holder = (await p.kubectl(['get', 'lease', 'chatcli-operator.chatcli.diillson.com', '-n', OPERATOR_NAMESPACE, '-o', 'jsonpath={.spec.holderIdentity}'])).trim();
      return holder !== '';
    }, 30_000);
    const leader = pods.find((pod) => holder.startsWith(`${pod.metadata.name}_`));
    assert.ok(leader, `the holder ${holder} is one of the operator's pods`);
    const logLines = async (pod: PodView) =>
      (await p.kubectl(['logs', pod.metadata.name, '-n', OPERATOR_NAMESPACE])).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    // The holder logs "became leader" after it wrote the Lease: its log is read until it has.
    await eventually('the holder logging that it leads', async () => (await logLines(leader)).some((l) => l.msg === 'became leader'), 30_000);
    for (const pod of pods) {
      const lines = await logLines(pod);
      const starting = lines.find((l) => l.msg === 'starting');
      assert.equal(starting?.kubeconfig, 'in-cluster', `${pod.metadata.name}: ${JSON.stringify(starting)}`);
      assert.equal(starting?.server, 'https://10.96.0.1:443');
      assert.equal(lines.some((l) => l.msg === 'became leader'), pod === leader, `${pod.metadata.name}: only the holder leads`);
    }
  });

  describe('every seed sample of every supported version', { concurrency: true }, () => {
    for (const version of VERSIONS) {
      // The versions side by side; each one's steps in order (they change its instances).
      describe(`ChatCLI ${version}`, { concurrency: false }, () => {
        const behaviour = BEHAVIOUR[version]!;
        const instances = INSTANCES[version]!;
        const each = async <T>(samples: SampleName[], check: (i: Instance, sample: SampleName) => Promise<T>) =>
          await Promise.all(samples.map((s) => check(instances[s], s)));
        const connection = async (i: Instance): Promise<ConnectOptions> => await serviceConnection(plane(), i, await chatcliProto(version));

        it('the four samples run: their pods become Ready by their own probes, and READY is true', { timeout: 180_000 }, async () => {
          await each(SAMPLE_NAMES, async (i) => {
            const [pod] = await waitForReadyPods(plane(), i, { timeoutMs: 150_000 });
            assert.equal(pod?.spec.containers[0]?.image, `ghcr.io/diillson/chatcli:v${version}`);
            assert.equal(pod?.status.containerStatuses?.[0]?.restartCount, 0, `${i.metadata.name}: no restart`);
          });
          const table = (await plane().kubectl(['get', 'chatcliinstances', '-n', namespaceOf(version)])).trim().split('\n');
          assert.equal(table.length, 1 + SAMPLE_NAMES.length);
          for (const row of table.slice(1)) assert.match(row, /^\S+\s+true\s+1\s+[A-Z]+\s+\S+$/, row);
        });

        it("through its Service: Health answers without a token, and an authenticated call needs the token from the instance's Secret", { timeout: 60_000 }, async () => {
          await each(SAMPLE_NAMES, async (i) => {
            const conn = await connection(i);
            const name = i.metadata.name;
            assert.equal((await withClient({ ...conn, token: undefined }, (c) => c.health())).status, 'SERVING', name);
            if (conn.token) {
              assert.equal((await refusal(withClient({ ...conn, token: undefined }, (c) => c.listSessions()))).code, 'UNAUTHENTICATED', `${name}: no token`);
              assert.equal((await refusal(withClient({ ...conn, token: `${conn.token}x` }, (c) => c.listSessions()))).code, behaviour.wrongTokenCode, `${name}: wrong token`);
            }
            // Without spec.server.token the server is open, as the sample asks; either way it runs the sample's provider.
            const info = await withClient(conn, (c) => c.serverInfo());
            assert.equal(info.provider, i.spec.provider, name);
            assert.ok(Array.isArray(await withClient(conn, (c) => c.listSessions())), name);
          });
        });

        it('TLS (the full sample): the handshake presents the certificate from its Secret, and plaintext is refused', { timeout: 60_000 }, async () => {
          const i = instances.full;
          const conn = await connection(i);
          assert.ok(conn.tls?.serverName);
          const [host, port] = conn.address.split(':');
          const presented = await new Promise<string>((resolve, reject) => {
            const socket = tlsConnect({ host, port: Number(port), servername: conn.tls?.serverName, ca: String(conn.tls?.ca), ALPNProtocols: ['h2'] }, () => {
              resolve(socket.getPeerCertificate().fingerprint256);
              socket.end();
            });
            socket.on('error', reject);
          });
          const fromSecret = new X509Certificate(await secretValue(plane(), i.metadata.namespace, i.spec.server!.tls!.secretName!, 'tls.crt'));
          assert.equal(presented, fromSecret.fingerprint256);
          assert.equal((await withClient(conn, (c) => c.health())).status, 'SERVING');
          assert.ok(Array.isArray(await withClient(conn, (c) => c.listSessions())));
          const plaintext = { ...conn, tls: undefined, timeoutMs: 3000 };
          assert.equal((await refusal(withClient(plaintext, (c) => c.health()))).code, 'UNAVAILABLE');
        });

        it("app.log is written in every sample's $HOME/.chatcli (read on the host, in the pod's emptyDir)", { timeout: 30_000 }, async () => {
          await each(SAMPLE_NAMES, async (i) => {
            const [pod] = await instancePods(plane(), i);
            assert.ok(pod, i.metadata.name);
            const file = join(stateDirOnHost(pod), 'app.log');
            // Created before its first line is written: wait for the line, not the file.
            await eventually(`${file} written`, async () => existsSync(file) && /"msg":/.test(await readFile(file, 'utf8')), 10_000);
            assert.match(await readFile(file, 'utf8'), /"msg":/, `${i.metadata.name}: JSON log lines`);
          });
        });

        it('the watcher reports every target and its pods, its debug log has nothing forbidden, and its ServiceAccount may not read Secrets or write', { timeout: 120_000 }, async () => {
          await each(['singleTarget', 'multiTarget', 'full'], async (i) => {
            const name = i.metadata.name;
            const targets = watchedTargets(i.spec);
            const pods = targets.reduce((n, t) => n + replicasOf(t), 0);
            const conn = await connection(i);
            let status = await withClient(conn, (c) => c.watcherStatus());
            await eventually(`${name}: a snapshot of every target with all their pods`, async () => {
              status = await withClient(conn, (c) => c.watcherStatus());
              return status.snapshotCount >= targets.length && status.podCount === pods;
            }, 90_000, 1000).catch((err: Error) => assert.fail(`${err.message}; last status ${JSON.stringify(status)}`));
            assert.equal(status.active, true);
            assert.equal(status.deployment, `${targets.length} targets`);
            assert.match(status.statusSummary, new RegExp(`^Watching ${targets.length} targets: `));

            const [pod] = await instancePods(plane(), i);
            const log = await podLogs(i, pod!);
            assert.match(log, /debug/i, `${name}: LOG_LEVEL=debug from the API-key Secret reaches the log`);
            const forbidden = log.split('\n').filter((l) => /forbidden/i.test(l) && !behaviour.allowedForbidden?.(l));
            assert.deepEqual(forbidden, [], `${name}: nothing forbidden in its log`);

            const sa = { namespace: i.metadata.namespace, name: serviceAccountName(i.metadata) };
            for (const ns of new Set(targets.map((t) => t.namespace))) {
              assert.equal(await canI(plane(), sa, 'list', 'pods', ns), true, `${name}: list pods in ${ns}`);
              for (const [verb, resource] of [['get', 'secrets'], ['list', 'secrets'], ['watch', 'pods'], ['create', 'pods'], ['delete', 'pods'], ['patch', 'deployments.apps'], ['update', 'deployments.apps'], ['create', 'events']]) {
                assert.equal(await canI(plane(), sa, verb!, resource!, ns), false, `${name}: ${verb} ${resource} in ${ns}`);
              }
            }
            assert.equal(await canI(plane(), sa, 'get', 'secrets', i.metadata.namespace), false, `${name}: get secrets in its own namespace`);
          });
        });

        it('sessions (the samples with persistence): a saved session is a file on the claim, survives deleting the pod, and the new pod lists it', { timeout: 150_000 }, async () => {
          await each(['multiTarget', 'full'], async (i) => {
            const name = i.metadata.name;
            const conn = await connection(i);
            await withClient(conn, (c) => c.saveSession(SESSION, MESSAGES));
            const file = join(await claimDirectory(plane(), i), `${SESSION}.json`);
            assert.ok(existsSync(file), `${name}: ${file} on the claim`);
            assert.match(await readFile(file, 'utf8'), /hi, from the real node/);

            const before = (await instancePods(plane(), i)).map((p) => p.metadata.name);
            await plane().kubectl(['delete', 'pod', ...before, '-n', i.metadata.namespace, '--wait=false']);
            await waitForReadyPods(plane(), i, { notAmong: before });
            // Through the Service once its endpoints are the new pod's (the old one may still be terminating).
            const after = await connection(i);
            assert.ok((await soon(() => withClient(after, (c) => c.listSessions()))).includes(SESSION), `${name}: listed by the new pod`);
            const loaded = await withClient(after, (c) => c.loadSession(SESSION));
            assert.deepEqual(loaded.map(({ role, content }) => ({ role, content })), MESSAGES);
          });
        });

        it('changing watcher.interval, the token key or the API-key Secret rolls the pods, and the new pods use the change', { timeout: 180_000 }, async () => {
          const rolled = async (i: Instance, spec: object): Promise<PodView> => {
            const before = (await instancePods(plane(), i)).map((p) => p.metadata.name);
            await patchSpec(plane(), i, spec);
            const [pod] = await waitForReadyPods(plane(), i, { notAmong: before, timeoutMs: 150_000 });
            return pod!;
          };
          await Promise.all([
            // Legacy single target (CHATCLI_WATCH_INTERVAL) and a watch-config file.
            ...(['singleTarget', 'multiTarget'] as const).map(async (s) => {
              const i = instances[s];
              const pod = await rolled(i, { watcher: { interval: '20s' } });
              const targets = watchedTargets(i.spec).length;
              await eventually(`${i.metadata.name}: the new interval in the log`, async () =>
                new RegExp(`K8s watcher active: ${targets} targets \\(interval: 20s\\)`).test(await podLogs(i, pod)), 20_000);
            }),
            (async () => {
              const i = instances.full;
              const old = await connection(i);
              await rolled(i, { server: { token: { name: 'chatcli-auth', key: 'token-rotated' } } });
              const now = await connection({ ...i, spec: { ...i.spec, server: { ...i.spec.server, token: { name: 'chatcli-auth', key: 'token-rotated' } } } });
              assert.notEqual(now.token, old.token);
              assert.ok(Array.isArray(await soon(() => withClient(now, (c) => c.listSessions()))), 'the rotated token is accepted');
              assert.equal((await refusal(withClient(old, (c) => c.listSessions()))).code, behaviour.wrongTokenCode, 'the old token is refused');
            })(),
            (async () => {
              const i = instances.minimal;
              const pod = await rolled(i, { apiKeys: { name: 'chatcli-api-keys-rotated' } });
              assert.deepEqual(pod.spec.containers[0]?.envFrom?.map((e) => e.secretRef?.name).filter(Boolean), ['chatcli-api-keys-rotated']);
              const conn = await connection(i);
              assert.equal((await soon(() => withClient(conn, (c) => c.serverInfo()))).provider, i.spec.provider);
            })(),
          ]);
        });
      });
    }

    describe('a missing API-key Secret', { concurrency: false }, () => {
      it("shows the real kubelet's CreateContainerConfigError as SecretsFound=False naming it, and the pod starts once it exists", { timeout: 360_000 }, async () => {
        const i = MISSING_SECRET;
        let waiting: { reason?: string; message?: string } | undefined;
        // The kubelet's first word can be "failed to sync secret cache: timed out
        // waiting for the condition" (its watch on the Secret has not synced yet);
        // its retries then name the Secret. Only that message can name it.
        await eventually('the kubelet reports CreateContainerConfigError naming the Secret', async () => {
          waiting = (await instancePods(plane(), i))[0]?.status.containerStatuses?.[0]?.state?.waiting;
          return waiting?.reason === 'CreateContainerConfigError' && /secret "absent-keys" not found/.test(waiting.message ?? '');
        }, 120_000);
        assert.equal(waiting?.reason, 'CreateContainerConfigError');
        await eventually('SecretsFound=False naming the Secret', async () => {
          const c = condition(await getInstance(plane(), i), 'SecretsFound');
          return c?.status === 'False' && c.message.includes('"absent-keys"') && c.message.includes('spec.apiKeys.name');
        }, 60_000);
        const now = await getInstance(plane(), i);
        assert.equal(condition(now, 'SecretsFound')?.reason, 'SecretNotFound');
        assert.equal(now.status?.ready, false);
        assert.equal(condition(now, 'Available')?.status, 'False');

        await apply(plane(), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'absent-keys', namespace: i.metadata.namespace }, stringData: { OPENAI_API_KEY: 'placeholder-not-a-key' } });
        await waitForReadyPods(plane(), i, { timeoutMs: 150_000 });
        assert.equal(condition(await getInstance(plane(), i), 'SecretsFound')?.status, 'True');
      });
    });
  });

  describe("today's ChatCLI: each spec field observed in the server's own behaviour, through the instance's Service", { concurrency: false }, () => {
    const v188 = VERSIONS.find((v) => v === '1.188.0');
    const older = VERSIONS.filter((v) => v !== '1.188.0');
    const i = FEATURES[v188 ?? ''];
    let conn: ConnectOptions;
    const jwtConn = (key = JWT.key) => ({ ...conn, token: signedJwt(jwtClaims(), key) });
    const pod = async () => (await instancePods(plane(), i!))[0]!;

    it('v1.188.0 with provider OPENROUTER starts: Health answers through the Service, GetServerInfo names the provider', { timeout: 180_000 }, async () => {
      assert.ok(i, 'v1.188.0 is a supported version');
      await waitForReadyPods(plane(), i, { timeoutMs: 150_000 });
      conn = await serviceConnection(plane(), i, await chatcliProto('1.188.0'));
      assert.equal((await withClient({ ...conn, token: undefined }, (c) => c.health())).status, 'SERVING');
      assert.equal((await withClient(conn, (c) => c.serverInfo())).provider, 'OPENROUTER');
      const now = await getInstance(plane(), i);
      for (const type of ['PodsHealthy', 'WatcherReady', 'SecretsFound']) assert.equal(condition(now, type)?.status, 'True', `${type}: ${JSON.stringify(condition(now, type))}`);
    });

    it("agents and skills: ListRemoteAgents and ListRemoteSkills return the ConfigMaps' keys, and an edited ConfigMap is served without a new pod", { timeout: 150_000 }, async () => {
      const before = (await pod()).metadata.uid;
      const described = (items: { name: string; description: string }[]) => items.map((a) => `${a.name}: ${a.description}`).sort();
      assert.deepEqual(described(await withClient(conn, (c) => c.listRemoteAgents())), ['reviewer: Reviews a change (before)']);
      assert.deepEqual(described(await withClient(conn, (c) => c.listRemoteSkills())), ['k8s-triage: Triage a pod']);
      assert.equal((await withClient(conn, (c) => c.getAgentDefinition('reviewer'))).content.trim(), 'Review the diff.');
      await apply(plane(), {
        apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'features-agents', namespace: FEATURES_NS },
        data: { 'reviewer.md': persona('reviewer', 'Reviews a change (after)', 'Review the diff, then the tests.'), 'oncall.md': persona('oncall', 'Added by the edit', 'Page the owner.') },
      });
      // The kubelet swaps the volume's contents on its next sync of the pod (syncFrequency, hack/node/config.ts).
      await eventually('the edited agents served', async () =>
        JSON.stringify(described(await withClient(conn, (c) => c.listRemoteAgents()))) === JSON.stringify(['oncall: Added by the edit', 'reviewer: Reviews a change (after)']), 120_000, 2000);
      assert.equal((await withClient(conn, (c) => c.getAgentDefinition('reviewer'))).content.trim(), 'Review the diff, then the tests.');
      assert.equal((await pod()).metadata.uid, before, 'the same pod served the edit: the server reads the folder on every call');
    });

    it('JWT: one signed with the Secret\'s key is accepted, one signed with another key refused, the static token still works', { timeout: 60_000 }, async () => {
      assert.equal((await withClient(jwtConn(), (c) => c.serverInfo())).provider, 'OPENROUTER');
      assert.equal((await refusal(withClient(jwtConn(randomBytes(32).toString('hex')), (c) => c.serverInfo()))).code, 'UNAUTHENTICATED');
      assert.equal((await withClient(conn, (c) => c.serverInfo())).provider, 'OPENROUTER');
    });

    it(`rate limit: a burst above ${FEATURES_RATE.burst} calls on one connection gets RESOURCE_EXHAUSTED; a new connection is served`, { timeout: 60_000 }, async () => {
      await withClient({ ...conn, token: undefined }, async (c) => {
        for (let n = 0; n < FEATURES_RATE.burst; n++) assert.equal((await c.health()).status, 'SERVING', `call ${n + 1}`);
        assert.equal((await refusal(c.health())).code, 'RESOURCE_EXHAUSTED');
      });
      assert.equal((await withClient({ ...conn, token: undefined }, (c) => c.health())).status, 'SERVING');
    });

    it('the audit log is written: a JSON line per call, in the pod\'s state directory (read on the host)', { timeout: 30_000 }, async () => {
      await withClient(conn, (c) => c.listSessions());
      const file = join(stateDirOnHost(await pod()), 'audit.log');
      const entries = async () => existsSync(file) ? (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
      await eventually(`a ListSessions entry in ${file}`, async () => (await entries()).some((e) => e.method === '/chatcli.v1.ChatCLIService/ListSessions'), 15_000);
      assert.ok((await entries()).every((e) => typeof e.method === 'string' && typeof e.result === 'string'));
    });

    it('the watcher reports its StatefulSet target and its pod, with nothing forbidden in its debug log', { timeout: 120_000 }, async () => {
      let status = await withClient(conn, (c) => c.watcherStatus());
      await eventually('a snapshot of the StatefulSet with its pod', async () => {
        status = await withClient(conn, (c) => c.watcherStatus());
        return status.snapshotCount >= 1 && status.podCount === 1;
      }, 90_000, 2000).catch((err: Error) => assert.fail(`${err.message}; last status ${JSON.stringify(status)}`));
      // Its pods are found by the StatefulSet's own selector, which takes the get the Role grants (k8s/collector.go getLabelSelector).
      assert.match(status.statusSummary, /^Watching 1 targets: /);
      const log = await podLogs(i!, await pod());
      assert.match(log, /debug/i);
      const forbidden = log.split('\n').filter((l) => /forbidden/i.test(l) && !BEHAVIOUR['1.188.0']!.allowedForbidden?.(l));
      assert.deepEqual(forbidden, []);
      const sa = { namespace: FEATURES_NS, name: serviceAccountName(i!.metadata) };
      assert.equal(await canI(plane(), sa, 'get', 'statefulsets.apps', STATEFUL_NS), true);
      assert.equal(await canI(plane(), sa, 'get', 'deployments.apps', STATEFUL_NS), false, 'no Deployment target there: no Deployment read');
    });

    it('/metrics on the metrics port answers through the Service', { timeout: 30_000 }, async () => {
      const svc = await getJson<{ spec: { clusterIP: string; ports: { name: string; port: number }[] } }>(plane(), ['service', i!.metadata.name, '-n', FEATURES_NS]);
      assert.equal(svc?.spec.ports.find((p) => p.name === 'metrics')?.port, FEATURES_METRICS_PORT);
      const res = await soon(() => fetch(`http://${svc!.spec.clusterIP}:${FEATURES_METRICS_PORT}/metrics`, { signal: AbortSignal.timeout(5000) }));
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^# (HELP|TYPE) /m);
    });

    it("with persistence on, the hub's database survives deleting the pod: a conversation written before is read by the new pod", { timeout: 180_000 }, async () => {
      const id = await withClient(jwtConn(), (c) => c.newConversation());
      await withClient(jwtConn(), (c) => c.appendEvent(id, 'user', 'kept in hub.db on the claim'));
      assert.ok(existsSync(join(await claimDirectory(plane(), i!), 'hub.db')), 'hub.db is on the claim');
      const before = (await instancePods(plane(), i!)).map((p) => p.metadata.name);
      await plane().kubectl(['delete', 'pod', ...before, '-n', FEATURES_NS, '--wait=false']);
      await waitForReadyPods(plane(), i!, { notAmong: before, timeoutMs: 150_000 });
      conn = await serviceConnection(plane(), i!, await chatcliProto('1.188.0'));
      const events = await soon(() => withClient(jwtConn(), (c) => c.readConversation(id)));
      assert.deepEqual(events.map((e) => [e.role, e.content]), [['user', 'kept in hub.db on the claim']]);
    });

    it('server.metrics.port: 0 closes the port: the pods roll, the Service has no metrics port, the pod refuses it', { timeout: 180_000 }, async () => {
      const before = (await instancePods(plane(), i!)).map((p) => p.metadata.name);
      await patchSpec(plane(), i!, { server: { metrics: { port: 0 } } });
      const [now] = await waitForReadyPods(plane(), i!, { notAmong: before, timeoutMs: 150_000 });
      const svc = await getJson<{ spec: { ports: { name: string }[] } }>(plane(), ['service', i!.metadata.name, '-n', FEATURES_NS]);
      assert.deepEqual(svc?.spec.ports.map((p) => p.name), ['grpc']);
      const refused = await fetch(`http://${now!.status.podIP}:${FEATURES_METRICS_PORT}/metrics`, { signal: AbortSignal.timeout(5000) }).then(() => 'answered', (err: Error & { cause?: { code?: string } }) => err.cause?.code ?? err.message);
      assert.equal(refused, 'ECONNREFUSED');
    });

    for (const version of older) {
      it(`v${version} with the same spec runs: Health answers, the static token works, and the conditions name what it cannot do`, { timeout: 180_000 }, async () => {
        const old = FEATURES[version]!;
        let pods: PodView[] = [];
        await eventually(`${old.metadata.name}: a Ready pod`, async () => (pods = await instancePods(plane(), old)).length === 1 && podReady(pods[0]!), 150_000, 1000);
        assert.equal(pods[0]?.status.containerStatuses?.[0]?.restartCount, 0);
        const oldConn = await serviceConnection(plane(), old, await chatcliProto(version));
        assert.equal((await withClient({ ...oldConn, token: undefined }, (c) => c.health())).status, 'SERVING');
        assert.equal((await withClient(oldConn, (c) => c.serverInfo())).provider, 'OPENROUTER');
        assert.ok(Array.isArray(await withClient(oldConn, (c) => c.listSessions())), 'the static token');
        assert.equal((await refusal(withClient({ ...oldConn, token: signedJwt(jwtClaims(), JWT.key) }, (c) => c.listSessions()))).code, BEHAVIOUR[version]!.wrongTokenCode, 'no JWT');
        let now = await getInstance(plane(), old);
        await eventually('PodsHealthy ProviderNotInImage and WatcherReady TargetKindNotInImage', async () => {
          now = await getInstance(plane(), old);
          return condition(now, 'PodsHealthy')?.reason === 'ProviderNotInImage' && condition(now, 'WatcherReady')?.reason === 'TargetKindNotInImage';
        }, 30_000).catch((err: Error) => assert.fail(`${err.message}: ${JSON.stringify(now.status?.conditions)}`));
        assert.equal(condition(now, 'PodsHealthy')?.status, 'False');
        assert.match(condition(now, 'WatcherReady')!.message, /spec\.watcher\.targets\[0\]\.kind: StatefulSet needs ChatCLI v1\.188\.0/);
      });
    }
  });

  it(`with persistence on, changing the image tag (v${VERSIONS[0]} → v${VERSIONS.at(-1)}) rolls out without two pods ever holding the claim`, { timeout: 180_000 }, async () => {
    const [from, to] = [VERSIONS[0]!, VERSIONS.at(-1)!];
    const i = INSTANCES[from]!.multiTarget;
    assert.equal(i.spec.persistence?.enabled, true);
    const before = (await instancePods(plane(), i)).map((p) => p.metadata.name);
    const watch = await watchClaimHolders(plane(), i);
    await patchSpec(plane(), i, { image: { tag: `v${to}` } });
    const [pod] = await waitForReadyPods(plane(), i, { notAmong: before, timeoutMs: 150_000 });
    // The watch reads the pods on its own, maybe a moment behind: stopped once it saw the new pod Running.
    await eventually(`the pod watch seeing ${pod!.metadata.name} Running`, () => watch.sawRunning(pod!.metadata.name), 30_000);
    const seen = await watch.stop();
    assert.equal(pod?.spec.containers[0]?.image, `ghcr.io/diillson/chatcli:v${to}`);
    assert.ok(seen.pods.length >= 2, `the old and the new pod were seen: ${seen.pods.join(', ')}`);
    assert.equal(seen.maxHolders, 1, `at most one pod held the claim at any time:\n${seen.timeline.join('\n')}`);
    // The claim carried the session over: the new release lists what the old one saved.
    const conn = await serviceConnection(plane(), i, await chatcliProto(to));
    assert.ok((await soon(() => withClient(conn, (c) => c.listSessions()))).includes(SESSION));
  });
});

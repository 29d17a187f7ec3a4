// The server pod: image contract, secrets only through references, TLS,
// volumes, security context, probes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { desiredObjects } from '../../../src/desired/index.ts';
import { imageReference, strategyResetBeforeApply } from '../../../src/desired/deployment.ts';
import { instance } from './fixtures.ts';
import { containerOf, deploymentOf, findObject, podOf } from './support.ts';

describe('Deployment', () => {
  it('runs container chatcli from repository:tag with the pull policy, ports grpc and metrics, and TCP probes on grpc', () => {
    const c = containerOf(instance({ provider: 'OPENAI', image: { repository: 'example.com/chatcli', tag: 'v1.2.3', pullPolicy: 'Always' }, server: { port: 6000 } }));
    assert.equal(c.name, 'chatcli');
    assert.equal(c.image, 'example.com/chatcli:v1.2.3');
    assert.equal(c.imagePullPolicy, 'Always');
    assert.deepEqual(c.command, ['chatcli', 'serve']);
    assert.deepEqual(c.ports, [
      { name: 'grpc', containerPort: 6000, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ]);
    assert.deepEqual(c.readinessProbe?.tcpSocket, { port: 'grpc' });
    assert.deepEqual(c.livenessProbe?.tcpSocket, { port: 'grpc' });
  });

  it('a digest tag is referenced with @', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.equal(imageReference('ghcr.io/diillson/chatcli', digest), `ghcr.io/diillson/chatcli@${digest}`);
  });

  it('selects its pods by the two stable labels only; the pod template carries all labels', () => {
    const d = deploymentOf(instance({ provider: 'OPENAI' }, { name: 'alpha', namespace: 'ns1' }));
    assert.deepEqual(d.spec?.selector.matchLabels, { 'app.kubernetes.io/name': 'chatcli', 'app.kubernetes.io/instance': 'alpha' });
    assert.deepEqual(d.spec?.template.metadata?.labels, {
      'app.kubernetes.io/name': 'chatcli',
      'app.kubernetes.io/instance': 'alpha',
      'app.kubernetes.io/managed-by': 'chatcli-operator',
      'chatcli.diillson.com/instance-namespace': 'ns1',
    });
    assert.equal(d.spec?.replicas, 1);
  });

  it('replicas follow the spec, including zero', () => {
    assert.equal(deploymentOf(instance({ provider: 'OPENAI', replicas: 0 })).spec?.replicas, 0);
    assert.equal(deploymentOf(instance({ provider: 'OPENAI', replicas: 3 })).spec?.replicas, 3);
  });

  it('the token reaches the pod only as CHATCLI_SERVER_TOKEN from a secretKeyRef', () => {
    const inst = instance({ provider: 'OPENAI', server: { token: { name: 'chat-auth', key: 'token' } } });
    const c = containerOf(inst);
    assert.deepEqual(c.env, [{ name: 'CHATCLI_SERVER_TOKEN', valueFrom: { secretKeyRef: { name: 'chat-auth', key: 'token' } } }]);
    assert.ok(!(c.args ?? []).some((a) => a.includes('token')), 'no --token flag');
    // Nowhere else: not in any ConfigMap, annotation or label.
    const elsewhere = JSON.stringify(desiredObjects(inst).filter((o) => o.kind !== 'Deployment'));
    assert.ok(!elsewhere.includes('CHATCLI_SERVER_TOKEN') && !elsewhere.includes('chat-auth'));
  });

  it('without a token there is no env at all', () => {
    assert.equal(containerOf(instance({ provider: 'OPENAI' })).env, undefined);
  });

  it('API keys come only through envFrom of the Secret, before the ConfigMap so they cannot override it', () => {
    const inst = instance({ provider: 'OPENAI', apiKeys: { name: 'keys' } });
    const c = containerOf(inst);
    assert.deepEqual(c.envFrom, [{ secretRef: { name: 'keys' } }, { configMapRef: { name: 'chat' } }]);
    assert.equal(c.env, undefined);
    assert.equal(podOf(inst).volumes?.some((v) => v.secret?.secretName === 'keys'), false);
    assert.deepEqual(containerOf(instance({ provider: 'OLLAMA' })).envFrom, [{ configMapRef: { name: 'chat' } }]);
  });

  it('TLS mounts the Secret read-only at /etc/chatcli/tls and passes --tls-cert/--tls-key', () => {
    const inst = instance({ provider: 'OPENAI', server: { tls: { enabled: true, secretName: 'chat-tls' } } });
    const c = containerOf(inst);
    assert.deepEqual(c.args, ['--tls-cert', '/etc/chatcli/tls/tls.crt', '--tls-key', '/etc/chatcli/tls/tls.key']);
    assert.deepEqual(c.volumeMounts?.find((m) => m.name === 'tls'), { name: 'tls', mountPath: '/etc/chatcli/tls', readOnly: true });
    assert.deepEqual(podOf(inst).volumes?.find((v) => v.name === 'tls'), { name: 'tls', secret: { secretName: 'chat-tls' } });
  });

  it('TLS disabled: no TLS flags, volume or mount', () => {
    const inst = instance({ provider: 'OPENAI', server: { tls: { enabled: false, secretName: 'chat-tls' } } });
    assert.equal(containerOf(inst).args, undefined);
    assert.equal(podOf(inst).volumes?.some((v) => v.name === 'tls'), false);
  });

  it('targets mount the watch-config and pass --watch-config; legacy passes no flag', () => {
    const targets = instance({ provider: 'OPENAI', model: 'gpt-4o', watcher: { enabled: true, targets: [{ deployment: 'a', namespace: 'x' }] } });
    assert.deepEqual(containerOf(targets).args, ['--model', 'gpt-4o', '--watch-config', '/etc/chatcli/watch/watch-config.yaml']);
    assert.deepEqual(podOf(targets).volumes?.find((v) => v.name === 'watch-config'), { name: 'watch-config', configMap: { name: 'chat-watch-config' } });
    assert.deepEqual(containerOf(targets).volumeMounts?.find((m) => m.name === 'watch-config'), {
      name: 'watch-config',
      mountPath: '/etc/chatcli/watch',
      readOnly: true,
    });
    const legacy = instance({ provider: 'OPENAI', watcher: { enabled: true, deployment: 'a', namespace: 'x' } });
    assert.equal(containerOf(legacy).args, undefined);
    assert.equal(podOf(legacy).volumes?.some((v) => v.name === 'watch-config'), false);
  });

  it('the ServiceAccount token is mounted only when the watcher reads the API', () => {
    assert.equal(podOf(instance({ provider: 'OPENAI' })).automountServiceAccountToken, false);
    assert.equal(podOf(instance({ provider: 'OPENAI', watcher: { enabled: true, deployment: 'a' } })).automountServiceAccountToken, true);
    assert.equal(podOf(instance({ provider: 'OPENAI' }, { name: 'x1' })).serviceAccountName, 'x1');
  });

  it('persistence mounts the claim at the sessions directory; without it an emptyDir', () => {
    const on = instance({ provider: 'OPENAI', persistence: { enabled: true } });
    assert.deepEqual(podOf(on).volumes?.find((v) => v.name === 'sessions'), { name: 'sessions', persistentVolumeClaim: { claimName: 'chat-sessions' } });
    const off = instance({ provider: 'OPENAI' });
    assert.deepEqual(podOf(off).volumes?.find((v) => v.name === 'sessions'), { name: 'sessions', emptyDir: {} });
    for (const inst of [on, off]) {
      assert.deepEqual(containerOf(inst).volumeMounts?.slice(0, 4), [
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'home', mountPath: '/home/chatcli' },
        { name: 'chatcli-state', mountPath: '/home/chatcli/.chatcli' },
        { name: 'sessions', mountPath: '/home/chatcli/.chatcli/sessions' },
      ]);
    }
  });

  it('$HOME/.chatcli is an emptyDir of its own, so app.log can be created there by any uid, with the sessions volume inside it', () => {
    const pod = podOf(instance({ provider: 'OPENAI', persistence: { enabled: true } }));
    assert.deepEqual(pod.volumes?.find((v) => v.name === 'chatcli-state'), { name: 'chatcli-state', emptyDir: {} });
    assert.deepEqual(pod.volumes?.find((v) => v.name === 'home'), { name: 'home', emptyDir: {} });
    // Every writable path the server uses is a volume mount, none a directory the runtime creates (root-owned).
    const mounts = containerOf(instance({ provider: 'OPENAI' })).volumeMounts?.map((m) => m.mountPath) ?? [];
    for (const dir of ['/home/chatcli', '/home/chatcli/.chatcli', '/home/chatcli/.chatcli/sessions']) assert.ok(mounts.includes(dir), dir);
  });

  it('with persistence the Deployment is replaced with Recreate (a ReadWriteOnce claim); without it RollingUpdate with the defaults written out', () => {
    assert.deepEqual(deploymentOf(instance({ provider: 'OPENAI', persistence: { enabled: true } })).spec?.strategy, { type: 'Recreate' });
    const rolling = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
    assert.deepEqual(deploymentOf(instance({ provider: 'OPENAI' })).spec?.strategy, rolling);
    assert.deepEqual(deploymentOf(instance({ provider: 'OPENAI', persistence: { enabled: false, size: '5Gi' } })).spec?.strategy, rolling);
  });

  it('switching to Recreate clears a rollingUpdate the live Deployment still has, before the apply', () => {
    const recreate = findObject(desiredObjects(instance({ provider: 'OPENAI', persistence: { enabled: true } })), 'Deployment');
    const rolling = findObject(desiredObjects(instance({ provider: 'OPENAI' })), 'Deployment');
    const defaulted = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } } };
    assert.deepEqual(strategyResetBeforeApply(recreate, defaulted), { spec: { strategy: { type: 'Recreate', rollingUpdate: null } } });
    assert.equal(strategyResetBeforeApply(recreate, { spec: { strategy: { type: 'Recreate' } } }), undefined);
    assert.equal(strategyResetBeforeApply(recreate, undefined), undefined, 'nothing to clear on a create');
    assert.equal(strategyResetBeforeApply(rolling, defaulted), undefined);
    assert.equal(strategyResetBeforeApply(findObject(desiredObjects(instance({ provider: 'OPENAI' })), 'Service'), defaulted), undefined);
  });

  it('default security context: non-root 1000, seccomp RuntimeDefault, fsGroup 1000; container restricted-clean', () => {
    const inst = instance({ provider: 'OPENAI' });
    assert.deepEqual(podOf(inst).securityContext, {
      runAsNonRoot: true,
      runAsUser: 1000,
      fsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.deepEqual(containerOf(inst).securityContext, {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
    });
  });

  it('a security context override wins field by field; the rest stays restricted-clean', () => {
    const inst = instance({ provider: 'OPENAI', securityContext: { runAsUser: 2000, runAsGroup: 3000, fsGroup: 3000 } });
    assert.deepEqual(podOf(inst).securityContext, {
      runAsNonRoot: true,
      runAsUser: 2000,
      runAsGroup: 3000,
      fsGroup: 3000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const noFsGroup = instance({ provider: 'OPENAI', securityContext: { runAsUser: 1001, seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } } });
    assert.equal(podOf(noFsGroup).securityContext?.fsGroup, 1000);
    assert.deepEqual(podOf(noFsGroup).securityContext?.seccompProfile, { type: 'Localhost', localhostProfile: 'p.json' });
  });

  it('resources are passed through when given and absent otherwise', () => {
    const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
    assert.deepEqual(containerOf(instance({ provider: 'OPENAI', resources })).resources, resources);
    assert.equal(containerOf(instance({ provider: 'OPENAI' })).resources, undefined);
  });
});

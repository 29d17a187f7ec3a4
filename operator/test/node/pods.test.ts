// Real containers on the real node: they run, log, are held to Pod Security,
// and fail the way a kubelet fails them.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ensureImage } from '../../hack/images/images.ts';
import { usePlane } from '../support/cluster.ts';
import { apply, createNamespace, logs, podJson, probePod, runProbe, waitForPhase, PROBE, RESTRICTED_CONTAINER } from '../support/node.ts';
import { eventually } from '../support/wait.ts';

// No image at start: the probe image is imported into the running node, as tests do with ChatCLI's.
const plane = usePlane('node');

describe('pods on the real node', () => {
  before(async () => {
    const names = await plane().node!.importImages([(await ensureImage('probe')).archive]);
    assert.deepEqual(names, [PROBE]);
  }, { timeout: 300_000 });

  it('a pod runs to completion and kubectl logs reads its output', async () => {
    await createNamespace(plane(), 'run');
    const { exitCode, output } = await runProbe(plane(), 'run', 'hello', ['echo', 'hello from a real container']);
    assert.equal(exitCode, 0);
    assert.equal(output, 'hello from a real container');
    const pod = await podJson(plane(), 'run', 'hello');
    assert.equal(pod.spec.nodeName, 'chatcli-node');
    assert.match(pod.status.containerStatuses?.[0]?.containerID ?? '', /^containerd:\/\//);
  });

  it('under Pod Security "restricted" a pod runs as non-root with a read-only root, and writing to / fails', async () => {
    await createNamespace(plane(), 'restricted', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    // Enforced: a pod that may run as root is refused.
    const rootPod = probePod('restricted', 'as-root', ['id'], { pod: { securityContext: {} }, container: { securityContext: {} } });
    await assert.rejects(apply(plane(), rootPod), /violates PodSecurity "restricted/);

    const container = { securityContext: { ...RESTRICTED_CONTAINER, readOnlyRootFilesystem: true }, volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] };
    const pod = probePod('restricted', 'readonly', ['write', '/written-to-root'], {
      container,
      pod: {
        volumes: [{ name: 'scratch', emptyDir: {} }],
        initContainers: [
          { name: 'id', image: PROBE, imagePullPolicy: 'Never', args: ['id'], ...container },
          { name: 'scratch', image: PROBE, imagePullPolicy: 'Never', args: ['write', '/scratch/ok'], ...container },
        ],
      },
    });
    await apply(plane(), pod);
    const done = await waitForPhase(plane(), 'restricted', 'readonly', ['Failed']);
    assert.equal(done.status.containerStatuses?.[0]?.state?.terminated?.exitCode, 1);
    assert.match(await logs(plane(), 'restricted', 'readonly', 'probe'), /read-only file system/);
    assert.match(await logs(plane(), 'restricted', 'readonly', 'id'), /^uid=65532 /);
    // The same container writes where it has a volume: the failure above is the read-only root, nothing else.
    assert.match(await logs(plane(), 'restricted', 'readonly', 'scratch'), /^ok/);
  });

  it('a missing Secret in envFrom gives the real CreateContainerConfigError; once it exists the pod runs and kubectl exec reaches it', async () => {
    await createNamespace(plane(), 'config');
    await apply(plane(), probePod('config', 'needs-secret', ['sleep', 'inf'], { container: { envFrom: [{ secretRef: { name: 'absent' } }] } }));
    let waiting: { reason?: string; message?: string } | undefined;
    // The kubelet's first word can be "failed to sync secret cache: timed out waiting for the
    // condition" (its watch on the Secret has not synced yet); its retries then name the Secret.
    await eventually('CreateContainerConfigError naming the Secret', async () => {
      waiting = (await podJson(plane(), 'config', 'needs-secret')).status.containerStatuses?.[0]?.state?.waiting;
      return waiting?.reason === 'CreateContainerConfigError' && /secret "absent" not found/.test(waiting.message ?? '');
    }, 60_000);
    assert.equal(waiting?.reason, 'CreateContainerConfigError');

    // Once the Secret exists the kubelet starts the container.
    await apply(plane(), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'absent', namespace: 'config' }, stringData: { KEY: 'value' } });
    await waitForPhase(plane(), 'config', 'needs-secret', ['Running'], 60_000);
    // kubectl exec: the API server reaches the kubelet with its client certificate.
    assert.equal((await plane().kubectl(['exec', 'needs-secret', '-n', 'config', '--', '/probe', 'echo', 'exec works'])).trim(), 'exec works');
  });
});

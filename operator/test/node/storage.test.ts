// The node plane's default StorageClass: claims get a local volume on the node
// that the kubelet hands to the pod's fsGroup, as CSI drivers do on real clusters.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { paths } from '../../hack/node/layout.ts';
import { usePlane } from '../support/cluster.ts';
import { apply, createNamespace, runProbe } from '../support/node.ts';
import { eventually } from '../support/wait.ts';

const plane = usePlane('node', { images: ['probe'] });

const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'storage' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
const withClaim = (securityContext: object) => ({
  pod: {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, ...securityContext },
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
  },
  container: { volumeMounts: [{ name: 'data', mountPath: '/data' }] },
});

describe('storage on the real node', () => {
  it('a claim of the default StorageClass is writable by a non-root pod through its fsGroup and survives the pod', async () => {
    await createNamespace(plane(), 'storage');
    await apply(plane(), claim);
    // WaitForFirstConsumer: the claim waits for its pod.
    assert.equal((await plane().kubectl(['get', 'pvc', 'data', '-n', 'storage', '-o', 'jsonpath={.spec.storageClassName}'])).trim(), 'standard');

    const first = await runProbe(plane(), 'storage', 'writer', ['write', '/data/first'], withClaim({ runAsUser: 1000, fsGroup: 2000 }));
    assert.equal(first.exitCode, 0, first.output);
    const pvName = (await plane().kubectl(['get', 'pvc', 'data', '-n', 'storage', '-o', 'jsonpath={.spec.volumeName}'])).trim();
    const pv = JSON.parse(await plane().kubectl(['get', 'pv', pvName, '-o', 'json'])) as { spec: { local?: { path: string } } };
    const dir = pv.spec.local?.path ?? '';
    assert.ok(dir.startsWith(`${paths.volumes}/`), dir);
    // The kubelet gave the directory to the fsGroup (setgid, group-writable).
    const mode = await stat(dir);
    assert.equal(mode.gid, 2000);
    assert.equal(mode.mode & 0o2070, 0o2070);

    await plane().kubectl(['delete', 'pod', 'writer', '-n', 'storage', '--wait=true']);
    assert.deepEqual(await readdir(dir), ['first']);
    // Another pod of the same group finds the data and writes next to it.
    const second = await runProbe(plane(), 'storage', 'again', ['write', '/data/second'], withClaim({ runAsUser: 1001, fsGroup: 2000 }));
    assert.equal(second.exitCode, 0, second.output);
    assert.deepEqual((await readdir(dir)).sort(), ['first', 'second']);

    // Without that group, a non-root pod cannot write: fsGroup is what opens the volume.
    const stranger = await runProbe(plane(), 'storage', 'stranger', ['write', '/data/third'], withClaim({ runAsUser: 3000 }));
    assert.equal(stranger.exitCode, 1, stranger.output);
    assert.match(stranger.output, /permission denied/);

    // Deleting the claim releases the volume; the provisioner deletes it and its directory.
    await plane().kubectl(['delete', 'pods', '--all', '-n', 'storage', '--wait=true']);
    await plane().kubectl(['delete', 'pvc', 'data', '-n', 'storage', '--wait=true']);
    await eventually('the released volume deleted', async () =>
      (await plane().kubectl(['get', 'pv', '-o', 'name'])).trim() === '' && !existsSync(dir), 60_000);
    assert.equal(existsSync(join(dir, 'first')), false);
  });
});

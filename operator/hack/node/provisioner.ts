// A tiny dynamic provisioner for the node plane's default StorageClass, run
// inside the plane's process. It behaves like the local-path provisioners real
// single-node clusters use: a claim gets a directory on the node and a `local`
// PersistentVolume pinned to the node. The kubelet's local volume plugin applies
// the pod's fsGroup to it (kube-controller-manager's hostPath provisioner makes
// root-owned 0750 directories and the kubelet applies no fsGroup to hostPath
// volumes, so a non-root pod could not write there).
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, Watch, type V1PersistentVolume, type V1PersistentVolumeClaim, type V1StorageClass } from '@kubernetes/client-node';

export const STORAGE_CLASS = 'standard';
export const PROVISIONER = 'chatcli.local/local-path';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
const SELECTED_NODE = 'volume.kubernetes.io/selected-node';

/** The default StorageClass: claims wait for their first pod, then get a local volume on the node. */
export function defaultStorageClass(): V1StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

/** The volume for a claim: a directory of the node, bound to the claim from the start. */
export function volumeFor(claim: V1PersistentVolumeClaim, nodeName: string, path: string): V1PersistentVolume {
  const meta = claim.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: `pvc-${meta.uid}`, annotations: { [PROVISIONED_BY]: PROVISIONER } },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: STORAGE_CLASS,
      volumeMode: 'Filesystem',
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: meta.namespace, name: meta.name, uid: meta.uid },
      local: { path },
      nodeAffinity: {
        required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] },
      },
    },
  };
}

/** A claim this provisioner must serve now: our class, unbound, its pod scheduled (WaitForFirstConsumer). */
export function wantsVolume(claim: V1PersistentVolumeClaim, volumes: V1PersistentVolume[]): boolean {
  if (claim.spec?.storageClassName !== STORAGE_CLASS || claim.spec.volumeName || claim.metadata?.deletionTimestamp) return false;
  if (claim.status?.phase && claim.status.phase !== 'Pending') return false;
  if (!claim.metadata?.annotations?.[SELECTED_NODE]) return false;
  return !volumes.some((v) => v.spec?.claimRef?.uid === claim.metadata?.uid);
}

export interface Provisioner {
  stop(): Promise<void>;
}

export function startProvisioner(kc: KubeConfig, opts: { nodeName: string; volumesDir: string; log: (line: string) => void }): Provisioner {
  const core = kc.makeApiClient(CoreV1Api);
  const stopped = new AbortController();
  let wake: () => void = () => {};
  let pending = true;
  const trigger = () => {
    pending = true;
    wake();
  };
  stopped.signal.addEventListener('abort', () => wake(), { once: true });

  const pass = async () => {
    const [claims, volumes] = await Promise.all([core.listPersistentVolumeClaimForAllNamespaces(), core.listPersistentVolume()]);
    for (const claim of claims.items.filter((c) => wantsVolume(c, volumes.items))) {
      const meta = claim.metadata ?? {};
      const dir = join(opts.volumesDir, `${meta.namespace}_${meta.name}_${meta.uid}`);
      // Root-owned and closed to others, like a fresh CSI volume: the pod's fsGroup opens it.
      await mkdir(dir, { recursive: true, mode: 0o750 });
      await core.createPersistentVolume({ body: volumeFor(claim, opts.nodeName, dir) }).catch((err: { code?: number }) => {
        if (err.code !== 409) throw err;
      });
      opts.log(`[provisioner] ${meta.namespace}/${meta.name}: volume pvc-${meta.uid} at ${dir}`);
    }
    for (const volume of volumes.items) {
      const ours = volume.metadata?.annotations?.[PROVISIONED_BY] === PROVISIONER;
      if (!ours || volume.status?.phase !== 'Released' || volume.spec?.persistentVolumeReclaimPolicy !== 'Delete') continue;
      const path = volume.spec.local?.path;
      if (path?.startsWith(`${opts.volumesDir}/`)) await rm(path, { recursive: true, force: true });
      await core.deletePersistentVolume({ name: volume.metadata?.name ?? '' }).catch((err: { code?: number }) => {
        if (err.code !== 404) throw err;
      });
      opts.log(`[provisioner] deleted released volume ${volume.metadata?.name}`);
    }
  };

  // Any change of a claim or a volume wakes the loop; a pass also runs every 10 s.
  const watches = ['/api/v1/persistentvolumeclaims', '/api/v1/persistentvolumes'].map((path) => {
    const watchLoop = async () => {
      while (!stopped.signal.aborted) {
        const ended = new Promise<void>((resolve) => {
          void new Watch(kc).watch(path, {}, () => trigger(), () => resolve())
            .then((req) => stopped.signal.addEventListener('abort', () => req.abort(), { once: true }))
            .catch(() => resolve());
        });
        await ended;
        if (!stopped.signal.aborted) await new Promise((r) => setTimeout(r, 1000));
      }
    };
    return watchLoop();
  });

  const loop = (async () => {
    while (!stopped.signal.aborted) {
      if (pending) {
        pending = false;
        await pass().catch((err: unknown) => {
          opts.log(`[provisioner] pass failed: ${err instanceof Error ? err.message : String(err)}`);
          pending = true;
        });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          pending = true;
          resolve();
        }, pending ? 1000 : 10_000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (stopped.signal.aborted) wake();
      });
    }
  })();

  return {
    stop: async () => {
      stopped.abort();
      wake();
      await Promise.all([loop, ...watches]);
    },
  };
}

// Smoke tests: the full local control plane runs workloads (controller-manager,
// scheduler, kwok) and collects garbage, with no kubelet.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usePlane } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';

const plane = usePlane('full');


describe('local control plane (full mode)', () => {
  it('a Deployment with 2 replicas reaches 2 available replicas through kwok', async () => {
    const p = plane();
    await p.kubectl(['create', 'deployment', 'web', '--image=nginx', '--replicas=2', '-n', 'default']);
    await eventually('2 available replicas', async () =>
      (await p.kubectl(['get', 'deployment', 'web', '-n', 'default', '-o', 'jsonpath={.status.availableReplicas}'])) === '2');
    // The Deployment counts what its controller saw of the pods: the pods themselves are read until they say so.
    let phases: string[] = [];
    await eventually('2 Running pods', async () => {
      phases = (await p.kubectl(['get', 'pods', '-n', 'default', '-l', 'app=web', '-o', 'jsonpath={.items[*].status.phase}'])).split(' ').sort();
      return phases.length === 2 && phases.every((ph) => ph === 'Running');
    });
    assert.deepEqual(phases, ['Running', 'Running']);
  });

  it('deleting an owner garbage-collects a ConfigMap that holds an ownerReference to it', async () => {
    const p = plane();
    await p.kubectl(['create', 'configmap', 'owner', '-n', 'default']);
    const uid = await p.kubectl(['get', 'configmap', 'owner', '-n', 'default', '-o', 'jsonpath={.metadata.uid}']);
    await p.kubectl(['create', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'dependent', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid }] },
    }));
    await p.kubectl(['delete', 'configmap', 'owner', '-n', 'default']);
    await eventually('the dependent ConfigMap to be collected', async () =>
      (await p.kubectl(['get', 'configmap', 'dependent', '-n', 'default', '--ignore-not-found', '-o', 'name'])).trim() === '');
  });
});

// The ServiceAccount carries the spec's workload-identity annotations, and only
// them: no annotations key without them (every existing instance renders as
// before), and the API token stays as the watcher decides (the identity
// webhooks project their own tokens).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredObjects } from '../../../src/desired/index.ts';
import { desiredServiceAccount } from '../../../src/desired/serviceaccount.ts';
import { instance } from './fixtures.ts';

const IRSA = { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/chatcli-bedrock' };

function podSpecOf(spec: Record<string, unknown>) {
  const deployment = desiredObjects(instance({ provider: 'BEDROCK', ...spec })).find((o) => o.kind === 'Deployment');
  return (deployment?.spec as { template: { spec: { automountServiceAccountToken?: boolean } } }).template.spec;
}

describe('desiredServiceAccount', () => {
  it('sets spec.serviceAccount.annotations on the ServiceAccount <name>', () => {
    const sa = desiredServiceAccount(instance({ provider: 'BEDROCK', serviceAccount: { annotations: IRSA } }));
    assert.deepEqual(sa.metadata.annotations, IRSA);
    assert.equal(sa.metadata.name, 'chat');
  });

  it('has no annotations without them, nor with an empty map', () => {
    assert.equal('annotations' in desiredServiceAccount(instance({ provider: 'OPENAI' })).metadata, false);
    assert.equal('annotations' in desiredServiceAccount(instance({ provider: 'OPENAI', serviceAccount: { annotations: {} } })).metadata, false);
  });

  it('leaves the API token unmounted when the watcher is off, annotations or not (the identity webhooks project their own token)', () => {
    assert.equal(podSpecOf({ serviceAccount: { annotations: IRSA } }).automountServiceAccountToken, false);
    assert.equal(podSpecOf({}).automountServiceAccountToken, false);
  });

  it('Azure workload identity: the pod label azure.workload.identity/use reaches the pods through podLabels', () => {
    const deployment = desiredObjects(instance({
      provider: 'OPENAI',
      serviceAccount: { annotations: { 'azure.workload.identity/client-id': '00000000-0000-0000-0000-000000000000' } },
      podLabels: { 'azure.workload.identity/use': 'true' },
    })).find((o) => o.kind === 'Deployment');
    const labels = (deployment?.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    assert.equal(labels['azure.workload.identity/use'], 'true');
  });
});

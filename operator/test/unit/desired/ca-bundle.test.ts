// spec.caBundle: one key of a ConfigMap or Secret, mounted read-only as the
// file CHATCLI_CA_BUNDLE names (ChatCLI v1.188.0's trust for outgoing TLS).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { envConfigData } from '../../../src/desired/configmap.ts';
import { referencedSecrets } from '../../../src/status/secrets.ts';
import { instance } from './fixtures.ts';
import { containerOf, deploymentOf } from './support.ts';

const volumeOf = (inst: ReturnType<typeof instance>) => deploymentOf(inst).spec?.template.spec?.volumes?.find((v) => v.name === 'ca-bundle');
const mountOf = (inst: ReturnType<typeof instance>) => containerOf(inst).volumeMounts?.find((m) => m.name === 'ca-bundle');

describe('CA bundle', () => {
  it('none: no volume, no mount, no CHATCLI_CA_BUNDLE (the pod as before)', () => {
    const inst = instance({ provider: 'OPENAI' });
    assert.equal(volumeOf(inst), undefined);
    assert.equal(mountOf(inst), undefined);
    assert.equal(envConfigData(inst).CHATCLI_CA_BUNDLE, undefined);
  });

  it('a ConfigMap key: that key alone as ca-bundle.crt, mounted read-only at /etc/chatcli/ca, the variable naming the file', () => {
    const inst = instance({ provider: 'OPENAI', caBundle: { configMapKeyRef: { name: 'corp-ca', key: 'ca.crt' } } });
    assert.deepEqual(volumeOf(inst), { name: 'ca-bundle', configMap: { name: 'corp-ca', items: [{ key: 'ca.crt', path: 'ca-bundle.crt' }] } });
    assert.deepEqual(mountOf(inst), { name: 'ca-bundle', mountPath: '/etc/chatcli/ca', readOnly: true });
    assert.equal(envConfigData(inst).CHATCLI_CA_BUNDLE, '/etc/chatcli/ca/ca-bundle.crt');
  });

  it('a Secret key: the same from a secret volume, and SecretsFound checks the Secret and its key', () => {
    const spec = { provider: 'OPENAI' as const, caBundle: { secretKeyRef: { name: 'corp-ca', key: 'bundle.pem' } } };
    const inst = instance(spec);
    assert.deepEqual(volumeOf(inst), { name: 'ca-bundle', secret: { secretName: 'corp-ca', items: [{ key: 'bundle.pem', path: 'ca-bundle.crt' }] } });
    assert.deepEqual(mountOf(inst), { name: 'ca-bundle', mountPath: '/etc/chatcli/ca', readOnly: true });
    assert.equal(envConfigData(inst).CHATCLI_CA_BUNDLE, '/etc/chatcli/ca/ca-bundle.crt');
    assert.deepEqual(referencedSecrets(spec), [
      { name: 'corp-ca', field: 'spec.caBundle.secretKeyRef.name', key: { name: 'bundle.pem', field: 'spec.caBundle.secretKeyRef.key' } },
    ]);
  });

  it('a ConfigMap is no Secret reference', () => {
    assert.deepEqual(referencedSecrets({ caBundle: { configMapKeyRef: { name: 'corp-ca', key: 'ca.crt' } } }), []);
  });
});

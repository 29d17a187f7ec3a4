// SecretsFound for an operator with no permission on Secrets: what the kubelet
// reports on the pods decides.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { referencedSecrets, secretsVerdictFromPods } from '../../../src/status/secrets.ts';
import type { PodView } from '../../../src/status/views.ts';

const spec = { apiKeys: { name: 'chatcli-api-keys' }, server: { port: 50051, token: { name: 'chatcli-auth', key: 'token' } } };
const refs = referencedSecrets(spec);
const configError = (message: string): PodView => ({
  metadata: { name: 'chat-abc' },
  status: { containerStatuses: [{ name: 'chatcli', image: 'x', restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message } } }] },
});

describe('SecretsFound from the pods', () => {
  it('names the missing API-key Secret and the field that refers to it', () => {
    const v = secretsVerdictFromPods(refs, [configError('secret "chatcli-api-keys" not found')], 'default');
    assert.equal(v.status, 'False');
    assert.equal(v.reason, 'SecretNotFound');
    assert.equal(v.message, 'Secret "chatcli-api-keys" (spec.apiKeys.name) not found in namespace default');
  });

  it('names a missing token key', () => {
    const v = secretsVerdictFromPods(refs, [configError("couldn't find key token in Secret default/chatcli-auth")], 'default');
    assert.equal(v.reason, 'SecretKeyNotFound');
    assert.match(v.message, /key "token" \(spec.server.token.key\) not found in Secret "chatcli-auth"/);
  });

  it('is True without claiming to have read the Secrets when no pod reports one missing', () => {
    const v = secretsVerdictFromPods(refs, [], 'default');
    assert.equal(v.status, 'True');
    assert.equal(v.reason, 'NoneReportedMissing');
  });

  it('ignores a missing Secret the spec does not refer to', () => {
    const v = secretsVerdictFromPods(refs, [configError('secret "other" not found')], 'default');
    assert.equal(v.status, 'True');
  });
});

describe('SecretsFound from the pods: env and envFrom', () => {
  const spec = {
    apiKeys: { name: 'chatcli-api-keys' },
    server: { port: 50051 },
    envFrom: [{ configMapRef: { name: 'tuning' } }, { secretRef: { name: 'extra-env' } }, { secretRef: { name: 'maybe-env', optional: true } }],
    env: [
      { name: 'STACKSPOT_REALM', value: 'zup' },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      { name: 'DB_USER', valueFrom: { secretKeyRef: { name: 'db', key: 'user' } } },
      { name: 'MAYBE', valueFrom: { secretKeyRef: { name: 'maybe', key: 'x', optional: true } } },
    ],
  };
  const refs = referencedSecrets(spec);

  it('names a missing envFrom Secret and its field', () => {
    const v = secretsVerdictFromPods(refs, [configError('secret "extra-env" not found')], 'default');
    assert.deepEqual([v.status, v.reason, v.message], ['False', 'SecretNotFound', 'Secret "extra-env" (spec.envFrom[1].secretRef.name) not found in namespace default']);
  });

  it('names a missing secretKeyRef Secret with every field that names it', () => {
    const v = secretsVerdictFromPods(refs, [configError('secret "db" not found')], 'default');
    assert.equal(v.message, 'Secret "db" (spec.env[1].valueFrom.secretKeyRef.name, spec.env[2].valueFrom.secretKeyRef.name) not found in namespace default');
  });

  it('names the one missing key of a Secret two variables read, not the other', () => {
    const v = secretsVerdictFromPods(refs, [configError("couldn't find key user in Secret default/db")], 'default');
    assert.deepEqual([v.status, v.reason, v.message], ['False', 'SecretKeyNotFound', 'key "user" (spec.env[2].valueFrom.secretKeyRef.key) not found in Secret "db" in namespace default']);
  });

  it('optional sources are not required: their absence is no news', () => {
    assert.equal(secretsVerdictFromPods(refs, [configError('secret "maybe-env" not found')], 'default').status, 'True');
    assert.equal(secretsVerdictFromPods(refs, [configError('secret "maybe" not found')], 'default').status, 'True');
  });
});

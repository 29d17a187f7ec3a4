import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Secret } from '@kubernetes/client-node';
import { computeStatus } from '../../../src/status/compute.ts';
import { ConditionType, SecretsReason } from '../../../src/status/condition-types.ts';
import { findCondition } from '../../../src/status/conditions.ts';
import { referencedSecrets, secretKeysByName, secretsFoundVerdict } from '../../../src/status/secrets.ts';
import { NAMESPACE, NOW, deployment, instance } from './fixtures.ts';

const apiKeysAndToken = { apiKeys: { name: 'chatcli-api-keys' }, server: { port: 50051, token: { name: 'chat-token', key: 'token' } } };

function verdict(spec: Parameters<typeof referencedSecrets>[0], secretKeys: Parameters<typeof secretsFoundVerdict>[1]) {
  return secretsFoundVerdict(referencedSecrets(spec), secretKeys, NAMESPACE);
}

describe('referencedSecrets', () => {
  it('lists the API-key Secret, the token Secret with its key, and the TLS Secret when TLS is on', () => {
    const refs = referencedSecrets({ ...apiKeysAndToken, server: { ...apiKeysAndToken.server, tls: { enabled: true, secretName: 'chat-tls' } } });
    assert.deepEqual(refs, [
      { name: 'chatcli-api-keys', field: 'spec.apiKeys.name' },
      { name: 'chat-token', field: 'spec.server.token.name', key: { name: 'token', field: 'spec.server.token.key' } },
      { name: 'chat-tls', field: 'spec.server.tls.secretName' },
    ]);
  });

  it('lists every Secret env and envFrom put in the pod, with fields by index, and none marked optional', () => {
    const refs = referencedSecrets({
      envFrom: [{ configMapRef: { name: 'tuning' } }, { secretRef: { name: 'extra-env' } }, { prefix: 'X_', secretRef: { name: 'optional-env', optional: true } }],
      env: [
        { name: 'A', value: 'a' },
        { name: 'B', valueFrom: { configMapKeyRef: { name: 'tuning', key: 'b' } } },
        { name: 'C', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        { name: 'D', valueFrom: { secretKeyRef: { name: 'db', key: 'user', optional: true } } },
        { name: 'E', valueFrom: { secretKeyRef: { name: 'db', key: 'host', optional: false } } },
      ],
    });
    assert.deepEqual(refs, [
      { name: 'extra-env', field: 'spec.envFrom[1].secretRef.name' },
      { name: 'db', field: 'spec.env[2].valueFrom.secretKeyRef.name', key: { name: 'password', field: 'spec.env[2].valueFrom.secretKeyRef.key' } },
      { name: 'db', field: 'spec.env[4].valueFrom.secretKeyRef.name', key: { name: 'host', field: 'spec.env[4].valueFrom.secretKeyRef.key' } },
    ]);
  });

  it('lists the JWT key\'s Secret with its key, named by spec.server.security.jwt.secret', () => {
    assert.deepEqual(referencedSecrets({ server: { port: 50051, security: { jwt: { secret: { name: 'chat-jwt', key: 'hmac-key' }, issuer: 'idp' } } } }), [
      { name: 'chat-jwt', field: 'spec.server.security.jwt.secret.name', key: { name: 'hmac-key', field: 'spec.server.security.jwt.secret.key' } },
    ]);
    const v = verdict({ server: { port: 50051, security: { jwt: { secret: { name: 'chat-jwt', key: 'hmac-key' } } } } }, { 'chat-jwt': ['other'] });
    assert.equal(v.reason, SecretsReason.SecretKeyNotFound);
    assert.equal(v.message, 'key "hmac-key" (spec.server.security.jwt.secret.key) not found in Secret "chat-jwt" in namespace default');
    assert.equal(verdict({ server: { port: 50051, security: { jwt: { secret: { name: 'chat-jwt', key: 'hmac-key' } } } } }, {}).message,
      'Secret "chat-jwt" (spec.server.security.jwt.secret.name) not found in namespace default');
  });

  it('ignores a TLS Secret name while TLS is off', () => {
    assert.deepEqual(referencedSecrets({ server: { port: 50051, tls: { enabled: false, secretName: 'chat-tls' } } }), []);
  });
});

describe('SecretsFound', () => {
  it('a missing API-key Secret is named with the field that refers to it and the namespace', () => {
    const v = verdict(apiKeysAndToken, { 'chat-token': ['token'] });
    assert.equal(v.status, 'False');
    assert.equal(v.reason, SecretsReason.SecretNotFound);
    assert.equal(v.message, 'Secret "chatcli-api-keys" (spec.apiKeys.name) not found in namespace default');
  });

  it('a token Secret without the referenced key: SecretKeyNotFound naming key, field and Secret', () => {
    const v = verdict(apiKeysAndToken, { 'chatcli-api-keys': ['OPENAI_API_KEY'], 'chat-token': ['other'] });
    assert.equal(v.reason, SecretsReason.SecretKeyNotFound);
    assert.equal(v.message, 'key "token" (spec.server.token.key) not found in Secret "chat-token" in namespace default');
  });

  it('one missing Secret named by two fields is reported once, with both fields', () => {
    const v = verdict({ apiKeys: { name: 'shared' }, server: { port: 50051, token: { name: 'shared', key: 'token' } } }, {});
    assert.equal(v.message, 'Secret "shared" (spec.apiKeys.name, spec.server.token.name) not found in namespace default');
  });

  it('a missing Secret outranks a missing key in the reason; the message lists both', () => {
    const v = verdict({ ...apiKeysAndToken, server: { ...apiKeysAndToken.server, tls: { enabled: true, secretName: 'chat-tls' } } }, { 'chatcli-api-keys': [], 'chat-token': [] });
    assert.equal(v.reason, SecretsReason.SecretNotFound);
    assert.match(v.message, /Secret "chat-tls" \(spec\.server\.tls\.secretName\) not found/);
    assert.match(v.message, /key "token" \(spec\.server\.token\.key\) not found in Secret "chat-token"/);
  });

  it('every referenced Secret and key present: True', () => {
    const v = verdict(apiKeysAndToken, { 'chatcli-api-keys': ['OPENAI_API_KEY'], 'chat-token': ['token'] });
    assert.deepEqual([v.status, v.reason], ['True', SecretsReason.AllSecretsFound]);
  });

  it('a spec that refers to no Secret: True', () => {
    assert.equal(verdict({}, {}).status, 'True');
  });

  it('Secrets that could not be looked up: Unknown, not a false alarm', () => {
    const v = verdict(apiKeysAndToken, undefined);
    assert.deepEqual([v.status, v.reason], ['Unknown', SecretsReason.SecretsNotChecked]);
  });
});

describe('secret values never reach the status', () => {
  it('Secrets as read are reduced to key names, and nothing of their values appears in the computed status', () => {
    const tokenValue = 's3cr3t-token-value';
    const apiKeyValue = 'sk-live-abcdef123456';
    const secrets: V1Secret[] = [
      { metadata: { name: 'chat-token' }, data: { wrong: Buffer.from(tokenValue).toString('base64') } },
      { metadata: { name: 'chatcli-api-keys' }, data: { OPENAI_API_KEY: Buffer.from(apiKeyValue).toString('base64') }, stringData: { EXTRA: apiKeyValue } },
    ];
    const secretKeys = secretKeysByName(secrets);
    assert.deepEqual(secretKeys, { 'chat-token': ['wrong'], 'chatcli-api-keys': ['EXTRA', 'OPENAI_API_KEY'] });

    const status = computeStatus({ instance: instance({ spec: apiKeysAndToken }), deployment: deployment({ desired: 1 }), pods: [], secretKeys, now: NOW });
    assert.equal(findCondition(status.conditions, ConditionType.SecretsFound)?.reason, SecretsReason.SecretKeyNotFound, 'the Secrets were examined');
    const written = JSON.stringify(status);
    for (const value of [tokenValue, apiKeyValue, Buffer.from(tokenValue).toString('base64'), Buffer.from(apiKeyValue).toString('base64')]) {
      assert.equal(written.includes(value), false, `status holds no trace of ${value.slice(0, 3)}...`);
    }
  });
});

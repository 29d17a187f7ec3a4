// spec.server.security: v1.188.0's JWT key, issuer and audience, rate limit,
// message and stream limits, and audit log.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { envConfigData } from '../../../src/desired/configmap.ts';
import { AUDIT_LOG_FILE, ENV, STATE_DIR } from '../../../src/desired/chatcli.ts';
import { desiredObjects } from '../../../src/desired/index.ts';
import { instance } from './fixtures.ts';
import { containerOf, deploymentOf } from './support.ts';

const SECURITY_VARIABLES = [
  ENV.jwtSecret, ENV.jwtIssuer, ENV.jwtAudience, ENV.rateLimitRps, ENV.rateLimitBurst,
  ENV.maxRecvMsgSize, ENV.maxSendMsgSize, ENV.maxConcurrentStreams, ENV.auditLogPath,
];
const jwtKey = { name: 'chat-jwt', key: 'hmac-key' };
const everything = {
  jwt: { secret: jwtKey, issuer: 'https://idp.example.com', audience: 'chatcli' },
  rateLimit: { rps: 0.5, burst: 4 },
  maxRecvMsgSize: 67_108_864,
  maxSendMsgSize: 8_388_608,
  maxConcurrentStreams: 20,
  auditLog: { enabled: true },
};
const hash = (spec: Parameters<typeof instance>[0]) =>
  deploymentOf(instance(spec)).spec?.template.metadata?.annotations?.['chatcli.diillson.com/config-hash'];

describe('server security', () => {
  it('none asked for: no security variable anywhere (the server keeps its own defaults; the pod as before)', () => {
    for (const security of [undefined, {}, { auditLog: { enabled: false } }, { rateLimit: {} }]) {
      const inst = instance({ provider: 'OPENAI', server: { security } });
      const names = [...Object.keys(envConfigData(inst)), ...(containerOf(inst).env ?? []).map((e) => e.name)];
      assert.deepEqual(names.filter((n) => SECURITY_VARIABLES.includes(n as never)), [], JSON.stringify(security));
    }
    assert.equal(hash({ provider: 'OPENAI', server: { security: {} } }), hash({ provider: 'OPENAI' }));
  });

  it('each setting becomes its variable in the env ConfigMap, numbers as the server parses them (a float rps, integer bytes)', () => {
    const data = envConfigData(instance({ provider: 'OPENAI', server: { security: everything } }));
    assert.deepEqual(Object.fromEntries(Object.entries(data).filter(([k]) => SECURITY_VARIABLES.includes(k as never))), {
      CHATCLI_JWT_ISSUER: 'https://idp.example.com',
      CHATCLI_JWT_AUDIENCE: 'chatcli',
      CHATCLI_RATE_LIMIT_RPS: '0.5',
      CHATCLI_RATE_LIMIT_BURST: '4',
      CHATCLI_MAX_RECV_MSG_SIZE: '67108864',
      CHATCLI_MAX_SEND_MSG_SIZE: '8388608',
      CHATCLI_MAX_CONCURRENT_STREAMS: '20',
      CHATCLI_AUDIT_LOG_PATH: '/home/chatcli/.chatcli/audit.log',
    });
  });

  it('the JWT key reaches the container only from its Secret (secretKeyRef, after the token), never through a ConfigMap', () => {
    const inst = instance({ provider: 'OPENAI', server: { token: { name: 'chat-token', key: 'token' }, security: { jwt: { secret: jwtKey } } } });
    assert.deepEqual(containerOf(inst).env, [
      { name: 'CHATCLI_SERVER_TOKEN', valueFrom: { secretKeyRef: { name: 'chat-token', key: 'token' } } },
      { name: 'CHATCLI_JWT_SECRET', valueFrom: { secretKeyRef: { name: 'chat-jwt', key: 'hmac-key' } } },
    ]);
    const configMaps = desiredObjects(inst).filter((o) => o.kind === 'ConfigMap');
    for (const cm of configMaps) assert.ok(!JSON.stringify(cm).includes(ENV.jwtSecret), `${String(cm.metadata?.name)} names no JWT key`);
    // Neither issuer nor audience: nothing in the ConfigMap.
    assert.deepEqual(Object.keys(envConfigData(inst)).filter((k) => k.startsWith('CHATCLI_JWT_')), []);
  });

  it('a JWT key without a static token: the key alone (JWT-only auth)', () => {
    assert.deepEqual(containerOf(instance({ provider: 'OPENAI', server: { security: { jwt: { secret: jwtKey } } } })).env?.map((e) => e.name), ['CHATCLI_JWT_SECRET']);
  });

  it('the audit log is in the $HOME/.chatcli emptyDir (lives as long as the pod, like app.log), also with persistence on: never on the sessions claim', () => {
    assert.equal(AUDIT_LOG_FILE, `${STATE_DIR}/audit.log`);
    for (const persistence of [{ enabled: false }, { enabled: true }, { enabled: true, accessModes: ['ReadWriteMany'] }]) {
      const inst = instance({ provider: 'OPENAI', persistence, server: { security: { auditLog: { enabled: true } } } });
      assert.equal(envConfigData(inst)[ENV.auditLogPath], AUDIT_LOG_FILE);
      const mounts = containerOf(inst).volumeMounts ?? [];
      // The deepest mount holding the file is the state emptyDir.
      const holder = mounts.filter((m) => AUDIT_LOG_FILE.startsWith(`${m.mountPath}/`)).toSorted((a, b) => b.mountPath.length - a.mountPath.length)[0];
      assert.equal(holder?.name, 'chatcli-state');
      const volume = deploymentOf(inst).spec?.template.spec?.volumes?.find((v) => v.name === holder?.name);
      assert.deepEqual(volume, { name: 'chatcli-state', emptyDir: {} });
    }
  });

  it('a change rolls the pods: settings through the env ConfigMap (config hash), the JWT key through the pod template', () => {
    assert.notEqual(hash({ provider: 'OPENAI', server: { security: { rateLimit: { rps: 5 } } } }), hash({ provider: 'OPENAI' }));
    assert.notEqual(hash({ provider: 'OPENAI', server: { security: { auditLog: { enabled: true } } } }), hash({ provider: 'OPENAI' }));
    const template = (key: string) => deploymentOf(instance({ provider: 'OPENAI', server: { security: { jwt: { secret: { name: 'chat-jwt', key } } } } })).spec?.template;
    assert.notDeepEqual(template('a'), template('b'));
  });
});

// The conversation hub (ChatCLI v1.188.0's hub.db) on the sessions claim when
// one pod at a time mounts it, so a new pod finds the conversations of the last.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { envConfigData } from '../../../src/desired/configmap.ts';
import { instance } from './fixtures.ts';
import { containerOf } from './support.ts';

describe('conversation hub on the sessions claim', () => {
  it('no persistence: no CHATCLI_HUB_DB, the hub stays in the $HOME/.chatcli emptyDir (the ConfigMap as before)', () => {
    assert.equal(envConfigData(instance({ provider: 'OPENAI' })).CHATCLI_HUB_DB, undefined);
  });

  it('a ReadWriteOnce claim (the default): CHATCLI_HUB_DB is a file in the folder the claim is mounted on', () => {
    const inst = instance({ provider: 'OPENAI', persistence: { enabled: true } });
    assert.equal(envConfigData(inst).CHATCLI_HUB_DB, '/home/chatcli/.chatcli/sessions/hub.db');
    const mount = containerOf(inst).volumeMounts?.find((m) => m.name === 'sessions');
    assert.equal(mount?.mountPath, '/home/chatcli/.chatcli/sessions');
    assert.equal(mount?.subPath, undefined);
  });

  it('ReadWriteOncePod and an existing claim: the same', () => {
    assert.equal(envConfigData(instance({ provider: 'OPENAI', persistence: { enabled: true, accessModes: ['ReadWriteOncePod'] } })).CHATCLI_HUB_DB, '/home/chatcli/.chatcli/sessions/hub.db');
    assert.equal(envConfigData(instance({ provider: 'OPENAI', persistence: { enabled: true, existingClaim: 'mine' } })).CHATCLI_HUB_DB, '/home/chatcli/.chatcli/sessions/hub.db');
  });

  it('a ReadWriteMany claim: no CHATCLI_HUB_DB (SQLite in WAL mode cannot be shared by pods on several nodes)', () => {
    const inst = instance({ provider: 'OPENAI', replicas: 2, persistence: { enabled: true, accessModes: ['ReadWriteMany'] } });
    assert.equal(envConfigData(inst).CHATCLI_HUB_DB, undefined);
  });
});

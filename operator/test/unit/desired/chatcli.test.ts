// What the operator renders agrees with the ChatCLI facts in src/desired/chatcli.ts:
// the watcher is granted every call both releases make in the targets'
// namespaces and nothing else; every provider's credentials are known.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROVIDERS } from '../../../src/api/chatcliinstance.ts';
import { PROVIDER_CREDENTIALS, RENDERED_TARGET_KINDS, SUPPORTED_VERSIONS, WATCHER_CALLS, type WatcherCall } from '../../../src/desired/chatcli.ts';
import { WATCHER_RULES } from '../../../src/desired/index.ts';

// The rules go into Roles in the targets' namespaces: they never cover a cluster-scoped call.
const allows = (call: WatcherCall) =>
  call.scope === 'namespace' &&
  WATCHER_RULES.some((r) => r.apiGroups?.includes(call.group) && r.resources?.includes(call.resource) && r.verbs.includes(call.verb));
const describeCall = (c: WatcherCall) => `${c.verb} ${c.group}/${c.resource} (${c.scope}${c.targetKind ? `, ${c.targetKind} targets` : ''})`;

describe('ChatCLI compatibility facts', () => {
  it('every namespaced call of either release for a Deployment target is granted', () => {
    for (const version of SUPPORTED_VERSIONS) {
      const needed = WATCHER_CALLS.filter((c) => c.versions.includes(version) && c.scope === 'namespace' && c.targetKind === undefined);
      assert.ok(needed.length >= 6, version);
      for (const call of needed) assert.ok(allows(call), `${version}: ${describeCall(call)} is not granted`);
    }
  });

  it('nothing is granted that no release calls for what the operator renders', () => {
    for (const rule of WATCHER_RULES) {
      for (const group of rule.apiGroups ?? []) {
        for (const resource of rule.resources ?? []) {
          for (const verb of rule.verbs) {
            const called = WATCHER_CALLS.some(
              (c) =>
                c.group === group && c.resource === resource && c.verb === verb && c.scope === 'namespace' &&
                (c.targetKind === undefined || RENDERED_TARGET_KINDS.includes(c.targetKind)),
            );
            assert.ok(called, `${verb} ${group}/${resource} is granted but never called`);
          }
        }
      }
    }
  });

  it('what is not granted is cluster-scoped (v1.188.0 node reads) or for target kinds the operator never writes', () => {
    const notGranted = WATCHER_CALLS.filter((c) => !allows(c));
    assert.deepEqual(notGranted.map(describeCall).sort(), [
      'get /nodes (cluster)',
      'get apps/daemonsets (namespace, DaemonSet targets)',
      'get apps/statefulsets (namespace, StatefulSet targets)',
      'get batch/cronjobs (namespace, CronJob targets)',
      'get batch/jobs (namespace, Job targets)',
      'list /pods (cluster)',
      'list metrics.k8s.io/nodes (cluster)',
    ]);
    for (const c of notGranted.filter((x) => x.scope === 'cluster')) assert.deepEqual(c.versions, ['v1.188.0']);
  });

  it('names the credential variables of every provider the API accepts', () => {
    assert.deepEqual(Object.keys(PROVIDER_CREDENTIALS).sort(), [...PROVIDERS].sort());
    assert.deepEqual(PROVIDER_CREDENTIALS.GOOGLEAI.required, ['GOOGLEAI_API_KEY']);
    for (const { required, optional } of Object.values(PROVIDER_CREDENTIALS)) {
      for (const name of [...required, ...optional]) assert.match(name, /^[A-Z][A-Z0-9_]*$/);
    }
  });
});

// What the operator renders agrees with the ChatCLI facts in src/desired/chatcli.ts:
// the watcher is granted every call both releases make in the targets'
// namespaces and nothing else; every provider's credentials are known.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROVIDERS } from '../../../src/api/chatcliinstance.ts';
import { PROVIDER_FACTS, providerNotInImage, RENDERED_TARGET_KINDS, SUPPORTED_VERSIONS, WATCHER_CALLS, type WatcherCall } from '../../../src/desired/chatcli.ts';
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
    assert.deepEqual(Object.keys(PROVIDER_FACTS).sort(), [...PROVIDERS].sort());
    assert.deepEqual(PROVIDER_FACTS.GOOGLEAI.required, ['GOOGLEAI_API_KEY']);
    assert.deepEqual(PROVIDER_FACTS.OPENROUTER.required, ['OPENROUTER_API_KEY']);
    assert.ok(PROVIDER_FACTS.BEDROCK.anyOf.includes('AWS_WEB_IDENTITY_TOKEN_FILE'));
    for (const { required, anyOf, optional } of Object.values(PROVIDER_FACTS)) {
      for (const name of [...required, ...anyOf, ...optional]) assert.match(name, /^[A-Z][A-Z0-9_]*$/);
    }
  });

  it('v1.57.1 has the seven providers of the seed, v1.188.0 all the others; DEVIN (a binary no image has) is not accepted', () => {
    const since = (v: string) => PROVIDERS.filter((p) => PROVIDER_FACTS[p].since === v);
    assert.deepEqual(since('v1.57.1'), ['OPENAI', 'OPENAI_ASSISTANT', 'CLAUDEAI', 'GOOGLEAI', 'XAI', 'STACKSPOT', 'OLLAMA']);
    assert.deepEqual(since('v1.188.0').sort(), ['BEDROCK', 'COPILOT', 'GITHUB_MODELS', 'MINIMAX', 'MOONSHOT', 'OPENROUTER', 'ZAI']);
    assert.ok(!(PROVIDERS as readonly string[]).includes('DEVIN'));
  });

  it('a provider is missing from the image only when its tag is exactly an older supported release', () => {
    assert.deepEqual(providerNotInImage({ provider: 'OPENROUTER', image: { tag: 'v1.57.1' } }), { provider: 'OPENROUTER', tag: 'v1.57.1', since: 'v1.188.0' });
    assert.equal(providerNotInImage({ provider: 'OPENROUTER', image: { tag: 'v1.188.0' } }), undefined);
    assert.equal(providerNotInImage({ provider: 'CLAUDEAI', image: { tag: 'v1.57.1' } }), undefined);
    // Unknown: latest, another tag, a digest, no image at all.
    for (const tag of ['latest', '1.57.1', 'v1.57.2', 'sha256:' + 'a'.repeat(64)]) assert.equal(providerNotInImage({ provider: 'BEDROCK', image: { tag } }), undefined, tag);
    assert.equal(providerNotInImage({ provider: 'BEDROCK' }), undefined);
  });
});

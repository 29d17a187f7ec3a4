// What the operator renders agrees with the ChatCLI facts in src/desired/chatcli.ts:
// the watcher is granted every call both releases make in the targets'
// namespaces and nothing else; every provider's credentials are known.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROVIDERS } from '../../../src/api/chatcliinstance.ts';
import { callsFor, PROVIDER_FACTS, providerNotInImage, SUPPORTED_VERSIONS, TARGET_KINDS, targetKindsNotInImage, WATCHER_CALLS, type TargetKind, type WatcherCall } from '../../../src/desired/chatcli.ts';
import { ALL_WATCHER_RULES, watcherRules } from '../../../src/desired/rbac.ts';

// The rules go into Roles in the targets' namespaces: they never cover a cluster-scoped call.
const allows = (rules: readonly { apiGroups?: string[]; resources?: string[]; verbs: string[] }[], call: WatcherCall) =>
  call.scope === 'namespace' &&
  rules.some((r) => r.apiGroups?.includes(call.group) && r.resources?.includes(call.resource) && r.verbs.includes(call.verb));
const describeCall = (c: WatcherCall) => `${c.verb} ${c.group}/${c.resource} (${c.scope}${c.targetKinds ? `, ${c.targetKinds.join('/')} targets` : ''})`;

describe('ChatCLI compatibility facts', () => {
  it('for each kind of target, every namespaced call of either release is granted, and nothing it does not call', () => {
    for (const kind of TARGET_KINDS) {
      const rules = watcherRules([kind]);
      for (const version of SUPPORTED_VERSIONS) {
        const needed = WATCHER_CALLS.filter((c) => c.versions.includes(version) && c.scope === 'namespace' && callsFor(c, kind));
        for (const call of needed) assert.ok(allows(rules, call), `${kind}, ${version}: ${describeCall(call)} is not granted`);
      }
      for (const rule of rules) {
        for (const group of rule.apiGroups ?? []) {
          for (const resource of rule.resources ?? []) {
            for (const verb of rule.verbs) {
              const called = WATCHER_CALLS.some((c) => c.group === group && c.resource === resource && c.verb === verb && c.scope === 'namespace' && callsFor(c, kind));
              assert.ok(called, `${kind}: ${verb} ${group}/${resource} is granted but never called`);
            }
          }
        }
      }
    }
  });

  it('a kind\'s own get, and HPAs except for Jobs and CronJobs, are the only differences between kinds', () => {
    const granted = (kind: TargetKind) => watcherRules([kind]).flatMap((r) => r.resources!.map((res) => `${r.verbs.join(',')} ${r.apiGroups![0]}/${res}`)).sort();
    const common = ['get /pods/log', 'list /events', 'list /pods', 'list metrics.k8s.io/pods'];
    const hpa = 'list autoscaling/horizontalpodautoscalers';
    assert.deepEqual(granted('Deployment'), [...common, 'get apps/deployments', hpa].sort());
    assert.deepEqual(granted('StatefulSet'), [...common, 'get apps/statefulsets', hpa].sort());
    assert.deepEqual(granted('DaemonSet'), [...common, 'get apps/daemonsets', hpa].sort());
    assert.deepEqual(granted('Job'), [...common, 'get batch/jobs'].sort());
    assert.deepEqual(granted('CronJob'), [...common, 'get batch/cronjobs'].sort());
  });

  it('what no Role grants is cluster-scoped: v1.188.0\'s node reads', () => {
    const notGranted = WATCHER_CALLS.filter((c) => !allows(ALL_WATCHER_RULES, c));
    assert.deepEqual(notGranted.map(describeCall).sort(), [
      'get /nodes (cluster)',
      'list /pods (cluster)',
      'list metrics.k8s.io/nodes (cluster)',
    ]);
    for (const c of notGranted) assert.deepEqual(c.versions, ['v1.188.0']);
  });

  it('a target kind v1.57.1 cannot read is named, with its field, only for a known older tag and an enabled watcher', () => {
    const targets = [{ kind: 'Deployment' as const }, { kind: 'StatefulSet' as const }, {}, { kind: 'CronJob' as const }];
    assert.deepEqual(targetKindsNotInImage({ image: { tag: 'v1.57.1' }, watcher: { enabled: true, targets } }), [
      { field: 'spec.watcher.targets[1].kind', kind: 'StatefulSet', tag: 'v1.57.1', since: 'v1.188.0' },
      { field: 'spec.watcher.targets[3].kind', kind: 'CronJob', tag: 'v1.57.1', since: 'v1.188.0' },
    ]);
    assert.deepEqual(targetKindsNotInImage({ image: { tag: 'v1.188.0' }, watcher: { enabled: true, targets } }), []);
    assert.deepEqual(targetKindsNotInImage({ image: { tag: 'latest' }, watcher: { enabled: true, targets } }), []);
    assert.deepEqual(targetKindsNotInImage({ image: { tag: 'v1.57.1' }, watcher: { enabled: false, targets } }), []);
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

// The env ConfigMap and the watch-config: what each watcher mode writes, and a
// watch-config that reads back into the same values.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { desiredObjects } from '../../../src/desired/index.ts';
import { parseWatchConfig, renderWatchConfig, watchConfigOf, type WatchConfig } from '../../../src/desired/watchconfig.ts';
import { instance } from './fixtures.ts';
import { configMapOf } from './support.ts';

const watchTargets = [
  { deployment: 'api-gateway', namespace: 'production', metricsPort: 9090, metricsFilter: ['http_*', '*_seconds', 'grpc_*'] },
  { deployment: 'worker', namespace: 'batch' },
  { deployment: 'ml-inference', namespace: 'ml', metricsPort: 8080, metricsPath: '/prometheus' },
];

describe('env ConfigMap <name>', () => {
  it('holds provider, model, server port and metrics port; no watcher settings when the watcher is off', () => {
    const cm = configMapOf(instance({ provider: 'CLAUDEAI', model: 'claude-sonnet-4-5', server: { port: 6000 } }), 'chat');
    assert.deepEqual(cm.data, {
      LLM_PROVIDER: 'CLAUDEAI',
      LLM_MODEL: 'claude-sonnet-4-5',
      CHATCLI_SERVER_PORT: '6000',
      CHATCLI_METRICS_PORT: '9090',
      HOME: '/home/chatcli',
      CHATCLI_ENV: 'dev',
      CHATCLI_BIND_ADDRESS: '0.0.0.0',
    });
  });

  it('sets HOME, the log to stdout and the bind address for every instance, whatever the image or user', () => {
    for (const spec of [{ provider: 'OPENAI' as const }, { provider: 'XAI' as const, securityContext: { runAsUser: 65532 } }]) {
      const data = configMapOf(instance(spec), 'chat').data ?? {};
      assert.equal(data.HOME, '/home/chatcli');
      assert.equal(data.CHATCLI_ENV, 'dev');
      assert.equal(data.CHATCLI_BIND_ADDRESS, '0.0.0.0');
    }
  });

  it('enables the OLLAMA provider only when it is the provider (its address comes from the API-key Secret)', () => {
    const ollama = configMapOf(instance({ provider: 'OLLAMA' }), 'chat').data ?? {};
    assert.equal(ollama.OLLAMA_ENABLED, 'true');
    assert.equal(ollama.OLLAMA_BASE_URL, undefined);
    assert.equal(configMapOf(instance({ provider: 'OPENAI' }), 'chat').data?.OLLAMA_ENABLED, undefined);
  });

  it('leaves LLM_MODEL out when no model is set', () => {
    assert.equal(configMapOf(instance({ provider: 'OPENAI' }), 'chat').data?.LLM_MODEL, undefined);
  });

  it('with targets points at the watch-config file and carries no legacy settings', () => {
    const data = configMapOf(instance({ provider: 'OPENAI', watcher: { enabled: true, targets: watchTargets } }), 'chat').data ?? {};
    assert.equal(data.CHATCLI_WATCH_CONFIG, '/etc/chatcli/watch/watch-config.yaml');
    assert.deepEqual(Object.keys(data).filter((k) => k.startsWith('CHATCLI_WATCH_')), ['CHATCLI_WATCH_CONFIG']);
  });

  it('a legacy single target is passed as the CHATCLI_WATCH_* environment and gets no watch-config', () => {
    const inst = instance({ provider: 'CLAUDEAI', watcher: { enabled: true, deployment: 'myapp', namespace: 'production', interval: '15s' } });
    const data = configMapOf(inst, 'chat').data ?? {};
    assert.deepEqual(
      Object.fromEntries(Object.entries(data).filter(([k]) => k.startsWith('CHATCLI_WATCH_'))),
      {
        CHATCLI_WATCH_DEPLOYMENT: 'myapp',
        CHATCLI_WATCH_NAMESPACE: 'production',
        CHATCLI_WATCH_INTERVAL: '15s',
        CHATCLI_WATCH_WINDOW: '2h',
        CHATCLI_WATCH_MAX_LOG_LINES: '100',
      },
    );
    assert.equal(desiredObjects(inst).some((o) => o.metadata.name === 'chat-watch-config'), false);
  });

  it('watcher off: no watch-config even when targets are listed', () => {
    const inst = instance({ provider: 'OPENAI', watcher: { enabled: false, targets: watchTargets } });
    assert.equal(desiredObjects(inst).some((o) => o.metadata.name === 'chat-watch-config'), false);
    assert.deepEqual(Object.keys(configMapOf(inst, 'chat').data ?? {}).filter((k) => k.startsWith('CHATCLI_WATCH_')), []);
  });
});

describe('watch-config ConfigMap <name>-watch-config', () => {
  const inst = instance({ provider: 'OPENAI', watcher: { enabled: true, interval: '10s', window: '1h', maxLogLines: 50, maxContextChars: 4000, targets: watchTargets } });

  it('has the single key watch-config.yaml with the top-level settings and every target, defaults filled', () => {
    const cm = configMapOf(inst, 'chat-watch-config');
    assert.deepEqual(Object.keys(cm.data ?? {}), ['watch-config.yaml']);
    assert.deepEqual(parseWatchConfig(cm.data?.['watch-config.yaml'] ?? ''), {
      interval: '10s',
      window: '1h',
      maxLogLines: 50,
      maxContextChars: 4000,
      targets: [
        { deployment: 'api-gateway', namespace: 'production', metricsPort: 9090, metricsPath: '/metrics', metricsFilter: ['http_*', '*_seconds', 'grpc_*'] },
        { deployment: 'worker', namespace: 'batch', metricsPort: 0, metricsPath: '/metrics' },
        { deployment: 'ml-inference', namespace: 'ml', metricsPort: 8080, metricsPath: '/prometheus' },
      ],
    });
  });

  it('reads back into the same values it was made from, even values YAML would misread', () => {
    const config: WatchConfig = {
      interval: '30s',
      window: '2h',
      maxLogLines: 100,
      maxContextChars: 8000,
      targets: [
        { deployment: 'yes', namespace: 'null', metricsPort: 1, metricsPath: '/a: b', metricsFilter: ['*', '&x', '0123', 'true', '- y'] },
      ],
    };
    assert.deepEqual(parseWatchConfig(renderWatchConfig(config)), config);
    const fromInstance = watchConfigOf(inst);
    assert.ok(fromInstance);
    assert.deepEqual(parseWatchConfig(renderWatchConfig(fromInstance)), fromInstance);
  });

  it('quotes every string, so a YAML 1.1 reader gets yes, on, no, off as strings too', () => {
    const text = renderWatchConfig({
      interval: '30s',
      window: '2h',
      maxLogLines: 100,
      maxContextChars: 8000,
      targets: [{ deployment: 'on', namespace: 'yes', metricsPort: 0, metricsPath: '/metrics', metricsFilter: ['no', 'off', 'y', '0755'] }],
    });
    // Read back as YAML 1.1, where an unquoted yes/on/no/off/y is a boolean and 0755 an octal number.
    const asYaml11 = parse(text, { version: '1.1' }) as WatchConfig;
    assert.deepEqual(asYaml11.targets[0], { deployment: 'on', namespace: 'yes', metricsPort: 0, metricsPath: '/metrics', metricsFilter: ['no', 'off', 'y', '0755'] });
    assert.equal(asYaml11.interval, '30s');
    for (const line of text.split('\n').filter((l) => /:\s|^\s*- /.test(l))) {
      const value = line.replace(/^\s*(- )?([A-Za-z]+:)?\s*/, '');
      assert.ok(value === '' || /^".*"$/.test(value) || /^\d+$/.test(value), `unquoted string in: ${line}`);
    }
  });

  it('writes no target kind: every target is a Deployment for both ChatCLI releases', () => {
    const cm = configMapOf(inst, 'chat-watch-config');
    assert.doesNotMatch(cm.data?.['watch-config.yaml'] ?? '', /\bkind:/);
  });

  it('parseWatchConfig names the field that is wrong', () => {
    assert.throws(() => parseWatchConfig('interval: 30s\nwindow: 2h\nmaxLogLines: 1\nmaxContextChars: 2\ntargets:\n  - deployment: a\n    namespace: b\n    metricsPort: x\n    metricsPath: /m\n'), /targets\[0\]\.metricsPort/);
    assert.throws(() => parseWatchConfig('- a\n'), /watch-config/);
  });
});

// The real ChatCLI server of each supported version, run on loopback, and the
// gRPC client the real-node end-to-end test uses to reach it through a Service.
// This proves the client and pins the server's behaviour the operator relies
// on (auth, sessions under $HOME, app.log, TLS, bind address, the agents and
// skills ConfigMap volumes, the watcher's status and exactly which API calls the
// watcher makes), per version.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AGENTS_DIR, AUDIT_LOG_FILE, ENV, HOME_DIR, SKILLS_DIR, type TargetKind } from '../../src/desired/chatcli.ts';
import { watcherRules } from '../../src/desired/rbac.ts';
import { formatAccess, startApiRecorder } from '../support/api-recorder.ts';
import { chatcliProto, connect, refusal, withClient, type ChatCLIClient, type ChatCLIProto, type ConnectOptions } from '../support/chatcli-grpc.ts';
import { chatcliBinary, listeningAddresses, startLocalChatCLI, throwawayTls, type LocalChatCLI, type LocalChatCLIOptions } from '../support/chatcli-local.ts';
import { usePlane } from '../support/cluster.ts';
import { writeConfigMapVolume } from '../support/configmap-volume.ts';
import { pinnedVersions } from '../support/versions.ts';
import { eventually } from '../support/wait.ts';

const VERSIONS = (pinnedVersions().CHATCLI_VERSIONS ?? '').split(/\s+/).filter(Boolean);

/** Where the supported releases differ, as seen from outside the server. */
const BEHAVIOUR: Record<string, {
  wrongTokenCode: string; consoleLogsByDefault: boolean; listensOnAllByDefault: boolean; authenticatedCallsPerConnection: number;
  servesAgentsAndSkills: boolean;
}> = {
  // server/auth.go: a wrong token is PermissionDenied; server.go listens on ":port"; utils: ENV defaults to dev;
  // proto/chatcli/v1/chatcli.proto: no agent or skill RPC (cmd/serve.go never loads pkg/persona).
  '1.57.1': {
    wrongTokenCode: 'PERMISSION_DENIED', consoleLogsByDefault: true, listensOnAllByDefault: true, authenticatedCallsPerConnection: Infinity,
    servesAgentsAndSkills: false,
  },
  // server/auth.go: every failure is Unauthenticated, and checkFailureRate takes a token from a per-peer
  // (address:port) limiter, burst 5 then one per 12 s, on EVERY authenticated call, right token or not;
  // server.go: 127.0.0.1 unless CHATCLI_BIND_ADDRESS or KUBERNETES_SERVICE_HOST;
  // utils: CHATCLI_ENV (else ENV) defaults to prod, the log file only;
  // server/handler_remote.go: ListRemoteAgents, ListRemoteSkills, GetAgentDefinition, GetSkillContent read
  // $HOME/.chatcli/agents and /skills through pkg/persona/loader.go on every call (no cache).
  '1.188.0': {
    wrongTokenCode: 'UNAUTHENTICATED', consoleLogsByDefault: false, listensOnAllByDefault: false, authenticatedCallsPerConnection: 5,
    servesAgentsAndSkills: true,
  },
};

// --- spec.agents / spec.skills -------------------------------------------------
// What the "ConfigMaps" hold, before and after an edit. Each value is what a user
// puts in a key: YAML frontmatter, then the markdown. A key not ending in .md is
// ignored by the server even when it reads like an agent or a skill.
const persona = (name: string, description: string, body: string) => `---\nname: ${name}\ndescription: ${description}\n---\n${body}\n`;
const NOT_AN_AGENT = persona('notes', 'not an agent: the key does not end in .md', 'Ignored.');
const NOT_A_SKILL = persona('runbook', 'not a skill: the key does not end in .md', 'Ignored.');
const AGENTS_BEFORE = {
  'reviewer.md': persona('reviewer', 'Reviews a change (before)', 'Review the diff.'),
  'legacy.md': persona('legacy', 'Gone after the edit', 'Old prompt.'),
  'notes.txt': NOT_AN_AGENT,
};
const AGENTS_AFTER = {
  'reviewer.md': persona('reviewer', 'Reviews a change (after)', 'Review the diff, then the tests.'),
  'oncall.md': persona('oncall', 'Added by the edit', 'Page the owner.'),
  'notes.txt': NOT_AN_AGENT,
};
const SKILLS_BEFORE = {
  'k8s-triage.md': persona('k8s-triage', 'Triage a pod (before)', 'Describe the pod.'),
  'runbook.txt': NOT_A_SKILL,
};
const SKILLS_AFTER = {
  'k8s-triage.md': persona('k8s-triage', 'Triage a pod (after)', 'Describe the pod, then its events.'),
  'rollback.md': persona('rollback', 'Added by the edit', 'Roll the Deployment back.'),
  'runbook.txt': NOT_A_SKILL,
};
const named = (items: { name: string; description: string }[]) =>
  items.map(({ name, description }) => [name, description]).toSorted((a, b) => a[0]!.localeCompare(b[0]!));
const PERSONA_RPCS = ['ListRemoteAgents', 'ListRemoteSkills', 'GetAgentDefinition', 'GetSkillContent'];

test('the supported versions are the ones this test knows', () => {
  assert.deepEqual(VERSIONS.toSorted(), Object.keys(BEHAVIOUR).toSorted());
});

for (const version of VERSIONS) {
  describe(`ChatCLI ${version} server on loopback`, () => {
    const behaviour = BEHAVIOUR[version]!;
    const token = randomBytes(16).toString('hex');
    let proto: ChatCLIProto;
    let binary: string;
    let scratch: string;
    const running = new Set<LocalChatCLI>();

    const start = async (opts: Partial<LocalChatCLIOptions> & { home: string }) => {
      const server = await startLocalChatCLI({ binary, proto, token, ...opts });
      running.add(server);
      return server;
    };
    const stop = async (server: LocalChatCLI) => {
      running.delete(server);
      await server.stop();
    };
    const home = async (name: string) => await mkdtemp(join(scratch, `${name}-`));
    // A fresh connection per client: 1.188.0 counts every authenticated call against a per-connection budget.
    const client = (server: LocalChatCLI, extra: Partial<ConnectOptions> = {}) =>
      connect({ address: server.address, proto, token, ...extra });

    before(async () => {
      proto = await chatcliProto(version);
      binary = await chatcliBinary(version);
      scratch = await mkdtemp(join(tmpdir(), `chatcli-${version}-`));
    });
    after(async () => {
      for (const s of running) await s.stop();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    describe('plaintext, with a token', () => {
      let server: LocalChatCLI;
      let serverHome: string;
      before(async () => {
        serverHome = await home('main');
        server = await start({ home: serverHome });
      });

      test('Health answers without a token', async () => {
        const c = client(server, { token: undefined });
        try {
          const h = await c.health();
          assert.equal(h.status, 'SERVING');
        } finally {
          c.close();
        }
      });

      test('an authenticated call is refused without the token and with a wrong one, and accepted with the right one', async () => {
        const none = client(server, { token: undefined });
        const wrong = client(server, { token: `${token}x` });
        const right = client(server);
        try {
          assert.equal((await refusal(none.listSessions())).code, 'UNAUTHENTICATED');
          assert.equal((await refusal(wrong.listSessions())).code, behaviour.wrongTokenCode);
          assert.ok(Array.isArray(await right.listSessions()));
        } finally {
          [none, wrong, right].forEach((c) => c.close());
        }
      });

      const perConnection = behaviour.authenticatedCallsPerConnection;
      test(`one connection gets ${Number.isFinite(perConnection) ? `only ${perConnection}` : 'any number of'} authenticated calls a minute; a new connection starts afresh`, async () => {
        const one = client(server);
        const fresh = client(server);
        try {
          for (let i = 0; i < Math.min(perConnection, 10); i++) await one.serverInfo();
          if (Number.isFinite(perConnection)) {
            assert.equal((await refusal(one.serverInfo())).code, 'UNAUTHENTICATED', 'the right token, over the budget');
            assert.equal((await one.health()).status, 'SERVING', 'Health is outside the budget');
          } else {
            await one.serverInfo();
          }
          assert.equal((await fresh.serverInfo()).provider, 'OPENAI');
        } finally {
          one.close();
          fresh.close();
        }
      });

      test('no grpc.health.v1 service: gRPC probes (grpc-health-probe, kubelet grpc) get UNIMPLEMENTED', async () => {
        const c = client(server, { token: undefined });
        try {
          assert.equal((await refusal(c.standardHealthCheck())).code, 'UNIMPLEMENTED');
        } finally {
          c.close();
        }
      });

      test('GetServerInfo names the provider and no watcher, without calling the provider', async () => {
        const c = client(server);
        try {
          const info = await c.serverInfo();
          assert.equal(info.provider, 'OPENAI');
          assert.ok(info.availableProviders.includes('OPENAI'), info.availableProviders.join(','));
          assert.equal(info.watcherActive, false);
          assert.equal(info.watcherTarget, '');
        } finally {
          c.close();
        }
      });

      test('GetWatcherStatus reports no watcher when none is configured', async () => {
        const c = client(server);
        try {
          const w = await c.watcherStatus();
          assert.deepEqual({ ...w }, {
            active: false, deployment: '', namespace: '', statusSummary: '', alertCount: 0, snapshotCount: 0, podCount: 0,
          });
        } finally {
          c.close();
        }
      });

      test('a saved session is a file under $HOME/.chatcli/sessions, loads back, and is listed after a restart', async () => {
        const messages = [{ role: 'user', content: 'hello' }, { role: 'assistant', content: 'hi, from a test' }];
        const c = client(server);
        try {
          await c.saveSession('proof-session', messages);
          assert.ok((await c.listSessions()).includes('proof-session'));
        } finally {
          c.close();
        }
        const file = join(serverHome, '.chatcli', 'sessions', 'proof-session.json');
        assert.ok(existsSync(file), `${file} exists`);
        assert.match(await readFile(file, 'utf8'), /hi, from a test/);

        await stop(server);
        server = await start({ home: serverHome });
        const again = client(server);
        try {
          assert.ok((await again.listSessions()).includes('proof-session'));
          const loaded = await again.loadSession('proof-session');
          assert.deepEqual(loaded.map(({ role, content }) => ({ role, content })), messages);
          assert.equal((await refusal(again.loadSession('no-such-session'))).code, 'NOT_FOUND');
        } finally {
          again.close();
        }
      });

      test('the metrics port serves /healthz and /metrics, on every address (both versions)', async () => {
        const base = `http://127.0.0.1:${server.metricsPort}`;
        assert.equal((await fetch(`${base}/healthz`)).status, 200);
        assert.match(await (await fetch(`${base}/metrics`)).text(), /^# HELP /m);
        const addrs = await listeningAddresses(server.metricsPort);
        assert.ok(addrs.some((a) => a === '0.0.0.0' || a === '::'), addrs.join(','));
      });

      test(`logs go to $HOME/.chatcli/app.log${behaviour.consoleLogsByDefault ? ' and the console' : ', not the console'}`, async () => {
        const appLog = await readFile(join(serverHome, '.chatcli', 'app.log'), 'utf8');
        assert.match(appLog, /"msg":/, 'JSON lines in app.log');
        // The console file is written by this process from the server's pipe, a moment after the server wrote.
        if (behaviour.consoleLogsByDefault) await eventually('the log lines on the console', async () => /Logger inicializado/.test(await server.console()), 10_000);
        else assert.doesNotMatch(await server.console(), /Logger inicializado/);
      });
    });

    test('ENV=dev sends the log lines to the console too (read as CHATCLI_ENV\'s fallback by 1.188.0)', async () => {
      const server = await start({ home: await home('env-dev'), env: { ENV: 'dev' } });
      // The console file is written by this process from the server's pipe, a moment after the server wrote.
      await eventually('the log lines on the console', async () => /Logger inicializado/.test(await server.console()), 10_000);
      await stop(server);
    });

    test('TLS: the handshake succeeds with the right CA, fails with another, and plaintext is refused', async () => {
      const tls = await throwawayTls(scratch, 'server');
      const other = await throwawayTls(scratch, 'other');
      const ca = await readFile(tls.ca);
      const server = await start({ home: await home('tls'), tls });
      const good = client(server, { tls: { ca, serverName: tls.serverName } });
      const untrusted = client(server, { tls: { ca: await readFile(other.ca), serverName: tls.serverName }, timeoutMs: 3000 });
      const plaintext = client(server, { timeoutMs: 3000 });
      try {
        assert.equal((await good.health()).status, 'SERVING');
        assert.ok(Array.isArray(await good.listSessions()));
        const untrustedRefusal = await refusal(untrusted.health());
        assert.equal(untrustedRefusal.code, 'UNAVAILABLE');
        assert.match(untrustedRefusal.details, /certificate/, 'refused for its certificate');
        assert.equal((await refusal(plaintext.health())).code, 'UNAVAILABLE');
      } finally {
        [good, untrusted, plaintext].forEach((c) => c.close());
        await stop(server);
      }
    });

    test(`listens on ${behaviour.listensOnAllByDefault ? 'every address' : '127.0.0.1 only, unless CHATCLI_BIND_ADDRESS or KUBERNETES_SERVICE_HOST is set'}`, async () => {
      const wildcard = (addrs: string[]) => addrs.some((a) => a === '0.0.0.0' || a === '::');
      const plain = await start({ home: await home('bind') });
      const addrs = await listeningAddresses(plain.port);
      await stop(plain);
      if (behaviour.listensOnAllByDefault) {
        assert.ok(wildcard(addrs), addrs.join(','));
        return;
      }
      assert.deepEqual(addrs, ['127.0.0.1']);
      for (const env of [{ CHATCLI_BIND_ADDRESS: '0.0.0.0' }, { KUBERNETES_SERVICE_HOST: '10.96.0.1' }] as Record<string, string>[]) {
        const s = await start({ home: await home('bind'), env });
        const a = await listeningAddresses(s.port);
        await stop(s);
        assert.ok(wildcard(a), `${JSON.stringify(env)}: ${a.join(',')}`);
      }
    });

    // spec.agents and spec.skills: a ConfigMap volume each, at the operator's AGENTS_DIR and SKILLS_DIR
    // (relative to its HOME_DIR), laid out as the kubelet does; an edit of the ConfigMap is the kubelet's
    // atomic swap of `..data`, which the server must follow without a restart.
    test(behaviour.servesAgentsAndSkills
      ? 'agents and skills ConfigMap volumes: the .md keys are served (other keys ignored), and an edit swapped in by the kubelet is served by the same process'
      : 'agents and skills ConfigMap volumes are harmless: the server starts and answers Health, and has no agent or skill RPC (UNIMPLEMENTED)', async () => {
      const serverHome = await home('persona');
      const agentsDir = join(serverHome, relative(HOME_DIR, AGENTS_DIR));
      const skillsDir = join(serverHome, relative(HOME_DIR, SKILLS_DIR));
      assert.equal(relative(serverHome, agentsDir), join('.chatcli', 'agents'), 'pkg/persona/loader.go NewLoader reads $HOME/.chatcli/agents');
      assert.equal(relative(serverHome, skillsDir), join('.chatcli', 'skills'), 'pkg/persona/loader.go NewLoader reads $HOME/.chatcli/skills');
      assert.ok(await writeConfigMapVolume(agentsDir, AGENTS_BEFORE));
      assert.ok(await writeConfigMapVolume(skillsDir, SKILLS_BEFORE));
      // The kubelet's layout: keys are symlinks into ..data, itself a symlink to the timestamped folder.
      assert.equal(await readlink(join(agentsDir, 'reviewer.md')), join('..data', 'reviewer.md'));
      const agentsData = await readlink(join(agentsDir, '..data'));
      const skillsData = await readlink(join(skillsDir, '..data'));
      assert.match(agentsData, /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\w+$/);
      const layout = async (dir: string) => (await readdir(dir)).toSorted();
      const agentsLayout = await layout(agentsDir);
      assert.deepEqual(agentsLayout, ['..data', agentsData, ...Object.keys(AGENTS_BEFORE)].toSorted());

      const server = await start({ home: serverHome });
      const ask = <T>(use: (c: ChatCLIClient) => Promise<T>) => withClient({ address: server.address, proto, token }, use);
      try {
        if (!behaviour.servesAgentsAndSkills) {
          for (const rpc of PERSONA_RPCS) {
            assert.equal(proto.service.service[rpc], undefined, `${rpc} is not in the ${version} proto`);
            assert.equal((await refusal(ask((c) => c.undeclared(rpc)))).code, 'UNIMPLEMENTED', rpc);
          }
          assert.ok(await writeConfigMapVolume(agentsDir, AGENTS_AFTER));
          assert.equal((await ask((c) => c.health())).status, 'SERVING', 'still serving after the volume is swapped');
          assert.deepEqual(await layout(skillsDir), ['..data', skillsData, ...Object.keys(SKILLS_BEFORE)].toSorted(), 'the server left the volume alone');
          return;
        }

        // Each group stays within 1.188.0's per-connection budget of authenticated calls.
        await ask(async (c) => {
          assert.deepEqual(named(await c.listRemoteAgents()), [['legacy', 'Gone after the edit'], ['reviewer', 'Reviews a change (before)']]);
          assert.deepEqual(named(await c.listRemoteSkills()), [['k8s-triage', 'Triage a pod (before)']]);
          assert.equal((await c.getAgentDefinition('reviewer')).content.trim(), 'Review the diff.');
          assert.equal((await c.getSkillContent('k8s-triage')).content.trim(), 'Describe the pod.');
        });

        // The ConfigMaps are edited: the kubelet writes a new timestamped folder and swaps ..data.
        assert.ok(await writeConfigMapVolume(agentsDir, AGENTS_AFTER));
        assert.ok(await writeConfigMapVolume(skillsDir, SKILLS_AFTER));
        assert.notEqual(await readlink(join(agentsDir, '..data')), agentsData);
        assert.notEqual(await readlink(join(skillsDir, '..data')), skillsData);

        await ask(async (c) => {
          assert.deepEqual(named(await c.listRemoteAgents()), [['oncall', 'Added by the edit'], ['reviewer', 'Reviews a change (after)']]);
          assert.deepEqual(named(await c.listRemoteSkills()), [['k8s-triage', 'Triage a pod (after)'], ['rollback', 'Added by the edit']]);
          assert.equal((await c.getAgentDefinition('reviewer')).content.trim(), 'Review the diff, then the tests.');
        });
        await ask(async (c) => {
          assert.equal((await c.getSkillContent('k8s-triage')).content.trim(), 'Describe the pod, then its events.');
          assert.equal((await refusal(c.getAgentDefinition('legacy'))).code, 'NOT_FOUND', 'a key removed by the edit');
          assert.equal((await refusal(c.getAgentDefinition('notes'))).code, 'NOT_FOUND', 'a key not ending in .md');
        });
      } finally {
        await stop(server);
      }
    });
  });
}

// --- spec.server.security -----------------------------------------------------
// The variables the operator sets for it (src/desired/chatcli.ts ENV), given to
// the real server: v1.188.0 acts on each; v1.57.1 reads none of them.

/** A compact JWT signed with HMAC-SHA256, as server/auth.go validateJWT checks it. */
function signedJwt(claims: Record<string, unknown>, key: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
}

for (const version of VERSIONS) {
  describe(`ChatCLI ${version} with spec.server.security's variables`, () => {
    const v188 = version === '1.188.0';
    const token = randomBytes(16).toString('hex');
    const jwtKey = randomBytes(32).toString('hex');
    const issuer = 'https://idp.chatcli.test';
    const audience = 'chatcli-proof';
    const now = () => Math.floor(Date.now() / 1000);
    const goodClaims = () => ({ sub: 'alice', iss: issuer, aud: audience, exp: now() + 300, role: 'user' });
    let proto: ChatCLIProto;
    let binary: string;
    let scratch: string;
    const running = new Set<LocalChatCLI>();
    const start = async (name: string, env: Record<string, string>) => {
      const serverHome = await mkdtemp(join(scratch, `${name}-`));
      const server = await startLocalChatCLI({ binary, proto, token, home: serverHome, env });
      running.add(server);
      return { server, serverHome };
    };
    // One connection per call: 1.188.0 counts every authenticated call against a per-connection budget of 5.
    const call = <T>(server: LocalChatCLI, bearer: string | undefined, use: (c: ChatCLIClient) => Promise<T>) =>
      withClient({ address: server.address, proto, token: bearer }, use);

    before(async () => {
      proto = await chatcliProto(version);
      binary = await chatcliBinary(version);
      scratch = await mkdtemp(join(tmpdir(), `chatcli-security-${version}-`));
    });
    after(async () => {
      for (const s of running) await s.stop();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    test(v188
      ? 'JWT: signed with the key and carrying the issuer and audience, accepted; another key, issuer, audience or an expired one refused; the static token still works'
      : 'JWT variables are ignored: a JWT is refused (PERMISSION_DENIED), the static token works', async () => {
      const { server } = await start('jwt', { [ENV.jwtSecret]: jwtKey, [ENV.jwtIssuer]: issuer, [ENV.jwtAudience]: audience });
      const refused = v188 ? 'UNAUTHENTICATED' : 'PERMISSION_DENIED';
      if (v188) {
        assert.equal((await call(server, signedJwt(goodClaims(), jwtKey), (c) => c.serverInfo())).provider, 'OPENAI');
        // No exp: never expires (the server checks exp only when present).
        const { exp: _exp, ...noExpiry } = goodClaims();
        assert.ok(Array.isArray(await call(server, signedJwt(noExpiry, jwtKey), (c) => c.listSessions())));
      } else {
        assert.equal((await refusal(call(server, signedJwt(goodClaims(), jwtKey), (c) => c.serverInfo()))).code, refused);
      }
      for (const [what, jwt] of [
        ['another key', signedJwt(goodClaims(), randomBytes(32).toString('hex'))],
        ['another issuer', signedJwt({ ...goodClaims(), iss: 'https://other.test' }, jwtKey)],
        ['another audience', signedJwt({ ...goodClaims(), aud: 'other' }, jwtKey)],
        ['the audience as an array', signedJwt({ ...goodClaims(), aud: [audience] }, jwtKey)],
        ['expired beyond the 30 s skew', signedJwt({ ...goodClaims(), exp: now() - 120 }, jwtKey)],
      ] as const) {
        assert.equal((await refusal(call(server, jwt, (c) => c.serverInfo()))).code, refused, what);
      }
      assert.equal((await call(server, token, (c) => c.serverInfo())).provider, 'OPENAI', 'the static token');
    });

    test(v188
      ? 'rate limit: a burst above it on one connection gets RESOURCE_EXHAUSTED (Health too); a new connection starts afresh'
      : 'rate limit variables are ignored: a burst is served', async () => {
      const burst = 3;
      const { server } = await start('rate', { [ENV.rateLimitRps]: '0.1', [ENV.rateLimitBurst]: String(burst) });
      await call(server, undefined, async (c) => {
        for (let i = 0; i < burst; i++) assert.equal((await c.health()).status, 'SERVING', `call ${i + 1} of the burst`);
        if (v188) {
          const over = await refusal(c.health());
          assert.equal(over.code, 'RESOURCE_EXHAUSTED');
          assert.match(over.details, /rate limit exceeded/);
        } else {
          for (let i = 0; i < burst; i++) assert.equal((await c.health()).status, 'SERVING');
        }
      });
      assert.equal((await call(server, undefined, (c) => c.health())).status, 'SERVING', 'another connection');
    });

    test(v188
      ? 'audit log: each call is a JSON line in the file at the operator\'s path'
      : 'audit log variable is ignored: no file', async () => {
      const serverHome = await mkdtemp(join(scratch, 'audit-'));
      const auditLog = join(serverHome, relative(HOME_DIR, AUDIT_LOG_FILE));
      assert.equal(relative(serverHome, auditLog), join('.chatcli', 'audit.log'));
      // $HOME/.chatcli exists in the pod (the state emptyDir); the server opens the file, it makes no folder for it.
      await mkdir(join(serverHome, '.chatcli'), { recursive: true });
      const server = await startLocalChatCLI({ binary, proto, token, home: serverHome, env: { [ENV.auditLogPath]: auditLog } });
      running.add(server);
      await call(server, token, (c) => c.listSessions());
      if (!v188) {
        assert.ok(!existsSync(auditLog));
        return;
      }
      const entries = () => readFile(auditLog, 'utf8').then((t) => t.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>), () => []);
      await eventually('the ListSessions entry in the audit log', async () => (await entries()).some((e) => e.method === '/chatcli.v1.ChatCLIService/ListSessions'), 10_000);
      const entry = (await entries()).find((e) => e.method === '/chatcli.v1.ChatCLIService/ListSessions');
      assert.equal(entry?.result, 'success');
      assert.match(String(entry?.client_addr), /^127\.0\.0\.1:\d+$/);
      assert.equal((await stat(auditLog)).mode & 0o777, 0o600);
    });
  });
}

// --- The watcher -------------------------------------------------------------
// The server watches real objects on a test API server through a recording
// proxy (as admin, so every path is taken): GetWatcherStatus must report the
// targets and their pods, and the calls made in each namespace must be exactly
// what the operator's Role there grants for the kinds of its targets
// (src/desired/rbac.ts watcherRules), and nothing else but v1.188.0's
// cluster-wide node reads, which no Role grants.

interface WatchTarget { kind: TargetKind; name: string; namespace: string; pods: number }

const TARGETS: Record<string, WatchTarget[]> = {
  '1.57.1': [
    { kind: 'Deployment', name: 'web', namespace: 'watch-a', pods: 2 },
    { kind: 'Deployment', name: 'api', namespace: 'watch-b', pods: 1 },
  ],
  // 1.188.0 targets gain a kind: each in a namespace of its own, so that each kind's calls show alone.
  '1.188.0': [
    { kind: 'Deployment', name: 'web', namespace: 'watch-a', pods: 2 },
    { kind: 'Deployment', name: 'api', namespace: 'watch-b', pods: 1 },
    { kind: 'StatefulSet', name: 'db', namespace: 'watch-c', pods: 1 },
    { kind: 'DaemonSet', name: 'agent', namespace: 'watch-d', pods: 1 },
    { kind: 'Job', name: 'migrate', namespace: 'watch-e', pods: 1 },
    { kind: 'CronJob', name: 'nightly', namespace: 'watch-f', pods: 1 },
  ],
};

/** v1.188.0 NodeCollector's reads for the nodes the target pods run on: cluster-wide, never granted (logged at debug level when refused). */
const CLUSTER_CALLS: Record<string, string[]> = {
  '1.57.1': [],
  '1.188.0': ['get nodes (cluster)', 'list nodes.metrics.k8s.io (cluster)', 'list pods (cluster)'],
};

/** What the operator's Roles grant for these targets, one line per permission and namespace, as formatAccess writes a call. */
function grantedCalls(targets: readonly WatchTarget[]): string[] {
  const namespaces = [...new Set(targets.map((t) => t.namespace))];
  return namespaces.flatMap((ns) => watcherRules(targets.filter((t) => t.namespace === ns).map((t) => t.kind)).flatMap((r) =>
    r.apiGroups!.flatMap((group) => r.resources!.flatMap((resource) => r.verbs.map((verb) => `${verb} ${resource}${group ? `.${group}` : ''} in ${ns}`)))));
}

const NODE = 'watched-node';

function workload(t: WatchTarget): object {
  const labels = { app: t.name };
  const template = { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'example.invalid/app:1' }] } };
  const meta = { name: t.name, namespace: t.namespace };
  switch (t.kind) {
    case 'Deployment': return { apiVersion: 'apps/v1', kind: t.kind, metadata: meta, spec: { replicas: t.pods, selector: { matchLabels: labels }, template } };
    case 'StatefulSet': return { apiVersion: 'apps/v1', kind: t.kind, metadata: meta, spec: { replicas: t.pods, serviceName: t.name, selector: { matchLabels: labels }, template } };
    case 'DaemonSet': return { apiVersion: 'apps/v1', kind: t.kind, metadata: meta, spec: { selector: { matchLabels: labels }, template } };
    case 'Job': return { apiVersion: 'batch/v1', kind: t.kind, metadata: meta, spec: { manualSelector: true, selector: { matchLabels: labels }, template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } } };
    case 'CronJob': return { apiVersion: 'batch/v1', kind: t.kind, metadata: meta, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } } } } };
    default: throw new Error(`unknown kind ${t.kind}`);
  }
}

describe('the watcher of each version, against a real API server', () => {
  const plane = usePlane('api');
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'chatcli-watch-'));
    const p = plane();
    const all = [...new Map(Object.values(TARGETS).flat().map((t) => [`${t.kind}/${t.namespace}/${t.name}`, t])).values()];
    const namespaces = [...new Set(all.map((t) => t.namespace))];
    // Pods as the workload's controller would make them (no controller runs on this plane), on a Node object.
    const pods = all.flatMap((t) => Array.from({ length: t.pods }, (_, i) => ({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: `${t.name}-${i}`, namespace: t.namespace, labels: t.kind === 'CronJob' ? { 'job-name': t.name } : { app: t.name } },
      spec: { nodeName: NODE, containers: [{ name: 'main', image: 'example.invalid/app:1' }] },
    })));
    await p.kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'List', items: [
        { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } },
        ...namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
        // No controller-manager here to create it, and pods need it.
        ...namespaces.map((namespace) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } })),
        ...all.map(workload),
        ...pods,
      ],
    }));
    const running = {
      status: {
        phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'main', ready: true, restartCount: 0, image: 'example.invalid/app:1', imageID: '', state: { running: { startedAt: new Date().toISOString() } } }],
      },
    };
    await Promise.all(pods.map((pod) =>
      p.kubectl(['patch', 'pod', pod.metadata.name, '-n', pod.metadata.namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify(running)])));
  });
  after(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  for (const version of VERSIONS) {
    test(`${version}: GetWatcherStatus reports its ${TARGETS[version]?.length} targets and their pods; the API calls it makes in each namespace are exactly what the operator's Role there grants for the kinds of its targets`, async () => {
      const targets = TARGETS[version]!;
      const proto = await chatcliProto(version);
      const home = await mkdtemp(join(scratch, `${version}-`));
      const watchConfig = join(home, 'watch.yaml');
      await writeFile(watchConfig, JSON.stringify({
        interval: '2s',
        targets: targets.map((t) => ({ deployment: t.name, namespace: t.namespace, ...(version === '1.57.1' ? {} : { kind: t.kind }) })),
      }));
      const recorder = await startApiRecorder(plane());
      const token = randomBytes(16).toString('hex');
      const server = await startLocalChatCLI({
        binary: await chatcliBinary(version), proto, home, token, args: ['--watch-config', watchConfig],
        env: { CHATCLI_KUBECONFIG: recorder.kubeconfigPath, LOG_LEVEL: 'debug' },
      });
      const opts = { address: server.address, proto, token };
      try {
        const pods = targets.reduce((n, t) => n + t.pods, 0);
        // One whole collection cycle of every target: a snapshot each, then the logs of every pod (read last).
        const podLogs = targets.flatMap((t) => Array.from({ length: t.pods }, (_, i) => `/api/v1/namespaces/${t.namespace}/pods/${t.name}-${i}/log`));
        let status = await withClient(opts, (c) => c.watcherStatus());
        await eventually('a snapshot of every target with all their pods, and the logs of every pod', async () => {
          status = await withClient(opts, (c) => c.watcherStatus());
          return status.snapshotCount >= targets.length && status.podCount === pods &&
            podLogs.every((path) => recorder.calls().some((c) => c.path === path && c.status !== 0));
        }, 30_000, 250).catch((err: Error) => assert.fail(`${err.message}; last status ${JSON.stringify(status)}`));
        assert.equal(status.active, true);
        assert.equal(status.deployment, `${targets.length} targets`);
        assert.equal(status.namespace, 'multi');
        assert.match(status.statusSummary, new RegExp(`^Watching ${targets.length} targets: `));
        assert.equal(status.podCount, pods);
        const info = await withClient(opts, (c) => c.serverInfo());
        assert.equal(info.watcherActive, true);
        assert.equal(info.watcherTarget, `multi/${targets.length} targets`);
        const appLog = await readFile(join(home, '.chatcli', 'app.log'), 'utf8');
        assert.match(appLog, /"level":"debug"/, 'LOG_LEVEL=debug reaches app.log');
        assert.doesNotMatch(appLog, /forbidden/i);
        const calls = recorder.accesses().map(formatAccess);
        const expected = [...grantedCalls(targets), ...CLUSTER_CALLS[version]!].sort();
        assert.ok(expected.includes('get statefulsets.apps in watch-c') || version === '1.57.1');
        assert.deepEqual(calls, expected, `every call made:\n${recorder.calls().map((c) => `${c.method} ${c.path}${c.query} -> ${c.status} in ${c.ms} ms`).join('\n')}`);
      } finally {
        await server.stop();
        await recorder.stop();
      }
    });
  }
});

// A gRPC client for the ChatCLI server, for tests that talk to a real server
// (a local binary, or a pod through its Service). The service definition is
// read at run time from the ChatCLI source of the version under test
// (proto/chatcli/v1/chatcli.proto, MIT, Edilson Freitas), never vendored: the
// two supported releases ship different protos (1.188.0 adds RPCs and fields),
// and the test must speak the contract of the binary it runs.
//
// Only RPCs that never reach an LLM provider are exposed: Health (no token),
// GetServerInfo, the session calls, GetWatcherStatus and (1.188.0 only) the
// agent and skill discovery calls (token), the standard grpc.health.v1 Check
// (which neither version serves), and any RPC a version's proto lacks, by name
// (to see that server answer UNIMPLEMENTED).
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const run = promisify(execFile);
const imagesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'hack', 'images', 'chatcli');
const SERVICE = 'chatcli.v1.ChatCLIService';
const PROTO_FILE = 'chatcli/v1/chatcli.proto';

/**
 * The directory of a version's ChatCLI source, the same the images are built
 * from: hack/images/chatcli/source.sh extracts $CHATCLI_SOURCE_DIR/chatcli-<version>.tar.gz
 * (sha256-checked) into the cache once, or clones upstream's tag.
 */
export async function chatcliSource(version: string): Promise<string> {
  const { stdout } = await run('bash', [join(imagesDir, 'source.sh'), version], { maxBuffer: 1 << 20 });
  const dir = stdout.trim().split('\n').pop() ?? '';
  if (!dir) throw new Error(`hack/images/chatcli/source.sh ${version} printed no directory`);
  return dir;
}

/** A loaded ChatCLI service definition of one version. */
export interface ChatCLIProto {
  version: string;
  service: grpc.ServiceClientConstructor;
}

const loaded = new Map<string, Promise<ChatCLIProto>>();

/** Loads the ChatCLI service from the version's source (once per version and process). */
export function chatcliProto(version: string): Promise<ChatCLIProto> {
  let p = loaded.get(version);
  if (!p) {
    p = loadProto(version);
    loaded.set(version, p);
  }
  return p;
}

async function loadProto(version: string): Promise<ChatCLIProto> {
  const includeDir = join(await chatcliSource(version), 'proto');
  const def = protoLoader.loadSync(PROTO_FILE, {
    includeDirs: [includeDir], keepCase: false, enums: String, longs: String, defaults: true, arrays: true, oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { chatcli?: { v1?: { ChatCLIService?: grpc.ServiceClientConstructor } } };
  const service = pkg.chatcli?.v1?.ChatCLIService;
  if (!service) throw new Error(`${SERVICE} not found in ${join(includeDir, PROTO_FILE)}`);
  return { version, service };
}

// Message shapes (proto-loader camelCases field names; defaults filled in).
export interface ChatMessage { role: string; content: string }
export interface HealthReply { status: 'SERVING' | 'NOT_SERVING'; version: string }
export interface ServerInfo {
  version: string;
  provider: string;
  model: string;
  availableProviders: string[];
  watcherActive: boolean;
  /** "multi/<n> targets" whenever a watcher runs (both versions, watch config or legacy single target); "" otherwise. */
  watcherTarget: string;
}
// Neither version names the targets here (cmd/serve.go, cmd/server.go): only their number and pods.
export interface WatcherStatus {
  active: boolean;
  /** "<n> targets" whenever a watcher runs; "" otherwise. */
  deployment: string;
  /** "multi" whenever a watcher runs; "" otherwise. */
  namespace: string;
  /** "Watching <n> targets: <h> healthy, <w> warning, <c> critical". */
  statusSummary: string;
  alertCount: number;
  snapshotCount: number;
  /** Pods of every target in the latest snapshots. */
  podCount: number;
}

// 1.188.0's agent and skill discovery (pkg/persona files under $HOME/.chatcli/agents and /skills).
export interface AgentInfo {
  name: string;
  description: string;
  skills: string[];
  plugins: string[];
  model: string;
  /** The markdown after the frontmatter (the agent's prompt). */
  content: string;
}
export interface SkillInfo {
  name: string;
  description: string;
  /** The markdown after the frontmatter. */
  content: string;
  allowedTools: string[];
}

export interface ConnectOptions {
  /** host:port of the server (a loopback port, or a Service's ClusterIP:port). */
  address: string;
  proto: ChatCLIProto;
  /** Speak TLS, trusting `ca` (PEM) and checking the certificate for `serverName` (default: the address's host). */
  tls?: { ca: string | Buffer; serverName?: string };
  /** Sent as `authorization: Bearer <token>` on every call (Health needs none). */
  token?: string;
  /** Per-call deadline; default 10 s. */
  timeoutMs?: number;
}

export interface ChatCLIClient {
  health(): Promise<HealthReply>;
  serverInfo(): Promise<ServerInfo>;
  listSessions(): Promise<string[]>;
  saveSession(name: string, messages: ChatMessage[]): Promise<void>;
  loadSession(name: string): Promise<ChatMessage[]>;
  deleteSession(name: string): Promise<void>;
  watcherStatus(): Promise<WatcherStatus>;
  listRemoteAgents(): Promise<AgentInfo[]>;
  listRemoteSkills(): Promise<SkillInfo[]>;
  getAgentDefinition(name: string): Promise<AgentInfo>;
  getSkillContent(name: string): Promise<SkillInfo>;
  /** v1.188.0's conversation hub (server/handler_hub.go, kept in hub.db): a new conversation's id. */
  newConversation(): Promise<string>;
  appendEvent(convId: string, role: string, content: string): Promise<void>;
  readConversation(convId: string): Promise<{ role: string; content: string; seq: string }[]>;
  /** Calls `chatcli.v1.ChatCLIService/<method>`, which this version's proto must NOT declare, with an empty request. */
  undeclared(method: string): Promise<Buffer>;
  /** The standard grpc.health.v1.Health/Check (what grpc-health-probe and kubelet gRPC probes call): "SERVING"... */
  standardHealthCheck(): Promise<string>;
  /** Resolves once the channel is connected (TLS handshake done), rejects with the transport error otherwise. */
  ready(): Promise<void>;
  close(): void;
}

/**
 * Opens a client on its own connection (no subchannel sharing between clients):
 * v1.188.0 rate-limits authentication per client address:port, so callers that
 * need a fresh budget open a fresh client.
 */
export function connect(opts: ConnectOptions): ChatCLIClient {
  const creds = opts.tls ? grpc.credentials.createSsl(Buffer.from(opts.tls.ca)) : grpc.credentials.createInsecure();
  const channelOptions: grpc.ChannelOptions = { 'grpc.use_local_subchannel_pool': 1 };
  if (opts.tls?.serverName) channelOptions['grpc.ssl_target_name_override'] = opts.tls.serverName;
  const client = new opts.proto.service(opts.address, creds, channelOptions);
  const timeoutMs = opts.timeoutMs ?? 10_000;

  const unary = <Res>(method: string, request: object): Promise<Res> => {
    const def = opts.proto.service.service[method];
    if (!def) throw new Error(`${SERVICE}/${method} is not in the ChatCLI ${opts.proto.version} proto`);
    const md = new grpc.Metadata();
    if (opts.token !== undefined) md.set('authorization', `Bearer ${opts.token}`);
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, request, md,
        { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as Res)));
    });
  };

  return {
    health: () => unary<HealthReply>('Health', {}),
    serverInfo: () => unary<ServerInfo>('GetServerInfo', {}),
    listSessions: async () => (await unary<{ sessions: string[] }>('ListSessions', {})).sessions,
    saveSession: async (name, messages) => {
      const res = await unary<{ success: boolean }>('SaveSession', { name, messages });
      if (!res.success) throw new Error(`SaveSession ${name}: success=false`);
    },
    loadSession: async (name) => (await unary<{ messages: ChatMessage[] }>('LoadSession', { name })).messages,
    deleteSession: async (name) => {
      const res = await unary<{ success: boolean }>('DeleteSession', { name });
      if (!res.success) throw new Error(`DeleteSession ${name}: success=false`);
    },
    watcherStatus: () => unary<WatcherStatus>('GetWatcherStatus', {}),
    listRemoteAgents: async () => (await unary<{ agents: AgentInfo[] }>('ListRemoteAgents', {})).agents,
    listRemoteSkills: async () => (await unary<{ skills: SkillInfo[] }>('ListRemoteSkills', {})).skills,
    getAgentDefinition: async (name) => {
      const { agent } = await unary<{ agent: AgentInfo | null }>('GetAgentDefinition', { name });
      if (!agent) throw new Error(`GetAgentDefinition ${name}: no agent in the reply`);
      return agent;
    },
    getSkillContent: async (name) => {
      const { skill } = await unary<{ skill: SkillInfo | null }>('GetSkillContent', { name });
      if (!skill) throw new Error(`GetSkillContent ${name}: no skill in the reply`);
      return skill;
    },
    newConversation: async () => (await unary<{ convId: string }>('NewConversation', {})).convId,
    appendEvent: async (convId, role, content) => {
      await unary('AppendEvent', { convId, channel: 'proof', role, content });
    },
    readConversation: async (convId) => (await unary<{ events: { role: string; content: string; seq: string }[] }>('ReadConversation', { convId })).events,
    // An empty message is zero bytes whatever its type; the reply is left undecoded.
    undeclared: (method) => {
      if (opts.proto.service.service[method]) throw new Error(`${SERVICE}/${method} is in the ChatCLI ${opts.proto.version} proto: call it by its own method`);
      const md = new grpc.Metadata();
      if (opts.token !== undefined) md.set('authorization', `Bearer ${opts.token}`);
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(`/${SERVICE}/${method}`, () => Buffer.alloc(0), (b: Buffer) => b, {}, md,
          { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as Buffer)));
      });
    },
    // Hand-encoded: HealthCheckRequest{service: ""} is empty; the reply's field 1 is the status enum.
    standardHealthCheck: () => new Promise((resolve, reject) => {
      client.makeUnaryRequest('/grpc.health.v1.Health/Check', () => Buffer.alloc(0), (b: Buffer) => b, {}, new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs }, (err, res) => {
          if (err) return reject(err);
          const code = res && res[0] === 0x08 ? (res[1] ?? 0) : 0;
          resolve(['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'][code] ?? String(code));
        });
    }),
    ready: () => new Promise((resolve, reject) =>
      client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve()))),
    close: () => client.close(),
  };
}

/** Runs `use` on a client of its own connection and closes it: for polling 1.188.0 without exhausting a connection's auth budget. */
export async function withClient<T>(opts: ConnectOptions, use: (client: ChatCLIClient) => Promise<T>): Promise<T> {
  const client = connect(opts);
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

/** The gRPC status of a call that must fail: its code's name ("UNAUTHENTICATED"...) and details; throws if the call succeeded. */
export async function refusal(call: Promise<unknown>): Promise<{ code: string; details: string }> {
  try {
    await call;
  } catch (err) {
    const e = err as Partial<grpc.ServiceError>;
    if (typeof e.code !== 'number') throw err;
    return { code: grpc.status[e.code] ?? String(e.code), details: e.details ?? '' };
  }
  throw new Error('the call succeeded; it was expected to be refused');
}

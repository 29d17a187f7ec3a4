// Invalid ChatCLIInstances, one mistake each, with the field the refusal must
// name. The offline validator (validate.test.ts) and the real API server
// (test/integration/api-validation.test.ts) are both held to this table.
import { API_VERSION, KIND } from '../../../src/api/chatcliinstance.ts';

export interface InvalidCase {
  /** What is wrong, as a test name. */
  name: string;
  /** The field the error must name, in the API server's notation. */
  path: string;
  instance: Record<string, unknown>;
  /**
   * Refused while decoding (400 Bad Request, kubectl's strict field validation)
   * rather than by validation (422 Unprocessable Entity).
   */
  refusedAtDecoding?: boolean;
}

type Spec = Record<string, unknown>;

/** A valid instance `chat`; `spec` is merged over `{ provider: 'OPENAI' }`. */
export function instanceWith(spec: Spec, name = 'chat'): Record<string, unknown> {
  // Through JSON, as a manifest would be: a key set to undefined is left out.
  return JSON.parse(JSON.stringify({ apiVersion: API_VERSION, kind: KIND, metadata: { name }, spec: { provider: 'OPENAI', ...spec } }));
}

const watcher = (w: Spec) => ({ watcher: { enabled: true, ...w } });
const targets = (...t: Spec[]) => watcher({ targets: t });
const target = (t: Spec = {}) => ({ deployment: 'api', namespace: 'prod', ...t });
const resources = (r: Spec) => ({ resources: r });
const securityContext = (s: Spec) => ({ securityContext: s });

const rows: Array<[name: string, path: string, spec: Spec, name?: string]> = [
  // provider
  ['provider missing', 'spec.provider', { provider: undefined }],
  ['provider unknown', 'spec.provider', { provider: 'CHATGPT' }],
  ['provider in lower case', 'spec.provider', { provider: 'openai' }],
  ['model longer than 256 characters', 'spec.model', { model: 'm'.repeat(257) }],
  // replicas
  ['replicas negative', 'spec.replicas', { replicas: -1 }],
  ['replicas above 100', 'spec.replicas', { replicas: 101 }],
  ['replicas a string', 'spec.replicas', { replicas: 'two' }],
  // image
  ['image pullPolicy unknown', 'spec.image.pullPolicy', { image: { pullPolicy: 'Sometimes' } }],
  ['image repository with spaces', 'spec.image.repository', { image: { repository: 'ghcr.io/diillson/chat cli' } }],
  ['image repository upper case path', 'spec.image.repository', { image: { repository: 'ghcr.io/Diillson/ChatCLI' } }],
  ['image tag with a colon', 'spec.image.tag', { image: { tag: 'v1:latest' } }],
  // server
  ['server port 0', 'spec.server.port', { server: { port: 0 } }],
  ['server port above 65535', 'spec.server.port', { server: { port: 65536 } }],
  ['server port is the metrics port', 'spec.server.port', { server: { port: 9090 } }],
  ['tls enabled without secretName', 'spec.server.tls.secretName', { server: { tls: { enabled: true } } }],
  ['tls secretName not a DNS subdomain', 'spec.server.tls.secretName', { server: { tls: { enabled: true, secretName: 'TLS_secret' } } }],
  ['token without key', 'spec.server.token.key', { server: { token: { name: 'auth' } } }],
  ['token key with a space', 'spec.server.token.key', { server: { token: { name: 'auth', key: 'my token' } } }],
  ['token name with a slash', 'spec.server.token.name', { server: { token: { name: 'ns/auth', key: 'token' } } }],
  // watcher shape
  ['enabled watcher without targets or deployment', 'spec.watcher.targets', watcher({})],
  ['enabled watcher with an empty target list', 'spec.watcher.targets', watcher({ targets: [] })],
  ['legacy deployment without namespace', 'spec.watcher.namespace', watcher({ deployment: 'myapp' })],
  ['legacy namespace without deployment', 'spec.watcher.deployment', { watcher: { namespace: 'production' } }],
  ['targets and legacy deployment together', 'spec.watcher.deployment', watcher({ deployment: 'myapp', namespace: 'production', targets: [target()] })],
  ['legacy deployment not a DNS subdomain', 'spec.watcher.deployment', watcher({ deployment: 'My_App', namespace: 'production' })],
  ['legacy namespace not a DNS label', 'spec.watcher.namespace', watcher({ deployment: 'myapp', namespace: 'Production' })],
  // watcher durations and budgets
  ['interval without a unit', 'spec.watcher.interval', { watcher: { interval: '30' } }],
  ['interval zero', 'spec.watcher.interval', { watcher: { interval: '0s' } }],
  ['interval empty', 'spec.watcher.interval', { watcher: { interval: '' } }],
  ['window negative', 'spec.watcher.window', { watcher: { window: '-1h' } }],
  ['window in days', 'spec.watcher.window', { watcher: { window: '1d' } }],
  ['window too large to be an int64 of nanoseconds', 'spec.watcher.window', { watcher: { window: '9999999h' } }],
  ['maxLogLines zero', 'spec.watcher.maxLogLines', { watcher: { maxLogLines: 0 } }],
  ['maxLogLines above 10000', 'spec.watcher.maxLogLines', { watcher: { maxLogLines: 10_001 } }],
  ['maxContextChars zero', 'spec.watcher.maxContextChars', { watcher: { maxContextChars: 0 } }],
  ['maxContextChars above a million', 'spec.watcher.maxContextChars', { watcher: { maxContextChars: 1_000_001 } }],
  // targets
  ['target deployment not a DNS subdomain', 'spec.watcher.targets[0].deployment', targets(target({ deployment: 'API_Gateway' }))],
  ['target namespace with a dot', 'spec.watcher.targets[1].namespace', targets(target(), target({ namespace: 'prod.eu' }))],
  ['target namespace longer than 63', 'spec.watcher.targets[0].namespace', targets(target({ namespace: 'n'.repeat(64) }))],
  ['target without namespace', 'spec.watcher.targets[0].namespace', targets({ deployment: 'api' })],
  ['target without deployment', 'spec.watcher.targets[0].deployment', targets({ namespace: 'prod' })],
  ['target metricsPort above 65535', 'spec.watcher.targets[0].metricsPort', targets(target({ metricsPort: 70_000 }))],
  ['target metricsPort negative', 'spec.watcher.targets[0].metricsPort', targets(target({ metricsPort: -1 }))],
  ['target metricsPath without a leading slash', 'spec.watcher.targets[1].metricsPath', targets(target(), target({ deployment: 'web', metricsPath: 'metrics' }))],
  ['target metricsPath with a space', 'spec.watcher.targets[0].metricsPath', targets(target({ metricsPath: '/my metrics' }))],
  ['the same target twice', 'spec.watcher.targets[2]', targets(target(), target({ deployment: 'web' }), target())],
  ['more than 64 targets', 'spec.watcher.targets', targets(...Array.from({ length: 65 }, (_, i) => target({ deployment: `d${i}` })))],
  ['an empty metricsFilter glob', 'spec.watcher.targets[0].metricsFilter[0]', targets(target({ metricsFilter: [''] }))],
  ['more than 32 metricsFilter globs', 'spec.watcher.targets[0].metricsFilter', targets(target({ metricsFilter: Array.from({ length: 33 }, (_, i) => `m${i}_*`) }))],
  // resources
  ['request above its limit', 'spec.resources.requests', resources({ requests: { cpu: '2' }, limits: { cpu: '500m' } })],
  ['memory limit not a quantity', 'spec.resources.limits.memory', resources({ limits: { memory: '1 Gi' } })],
  ['cpu request a fraction number', 'spec.resources.requests.cpu', resources({ requests: { cpu: 0.5 } })],
  ['negative request', 'spec.resources.requests', resources({ requests: { memory: '-128Mi' } })],
  ['unknown resource name', 'spec.resources.limits', resources({ limits: { cpus: '1' } })],
  ['resource claims', 'spec.resources.claims', resources({ claims: [{ name: 'gpu' }] })],
  // persistence
  ['persistence size zero', 'spec.persistence.size', { persistence: { enabled: true, size: '0' } }],
  ['persistence size not a quantity', 'spec.persistence.size', { persistence: { enabled: true, size: 'lots' } }],
  ['storageClassName not a DNS subdomain', 'spec.persistence.storageClassName', { persistence: { storageClassName: 'Fast_SSD' } }],
  // apiKeys
  ['apiKeys without name', 'spec.apiKeys.name', { apiKeys: {} }],
  ['apiKeys name not a DNS subdomain', 'spec.apiKeys.name', { apiKeys: { name: 'API keys' } }],
  // securityContext
  ['runAsUser negative', 'spec.securityContext.runAsUser', securityContext({ runAsUser: -1 })],
  ['fsGroup above the largest id', 'spec.securityContext.fsGroup', securityContext({ fsGroup: 2_147_483_648 })],
  ['seccomp type unknown', 'spec.securityContext.seccompProfile.type', securityContext({ seccompProfile: { type: 'Default' } })],
  ['seccomp Localhost without a profile', 'spec.securityContext.seccompProfile.localhostProfile', securityContext({ seccompProfile: { type: 'Localhost' } })],
  ['seccomp RuntimeDefault with a profile', 'spec.securityContext.seccompProfile.localhostProfile', securityContext({ seccompProfile: { type: 'RuntimeDefault', localhostProfile: 'p.json' } })],
  ['appArmor Localhost without a profile', 'spec.securityContext.appArmorProfile.localhostProfile', securityContext({ appArmorProfile: { type: 'Localhost' } })],
  ['fsGroupChangePolicy unknown', 'spec.securityContext.fsGroupChangePolicy', securityContext({ fsGroupChangePolicy: 'Never' })],
  ['windows hostProcess', 'spec.securityContext.windowsOptions.hostProcess', securityContext({ windowsOptions: { hostProcess: true } })],
  ['the same sysctl twice', 'spec.securityContext.sysctls[1]', securityContext({ sysctls: [{ name: 'net.core.somaxconn', value: '1024' }, { name: 'net.core.somaxconn', value: '2048' }] })],
  ['sysctl name with upper case', 'spec.securityContext.sysctls[0].name', securityContext({ sysctls: [{ name: 'Net.Core', value: '1' }] })],
  // name
  ['name longer than 46 characters', 'metadata.name', {}, 'c'.repeat(47)],
  ['name starting with a digit', 'metadata.name', {}, '1chat'],
  ['name with a dot', 'metadata.name', {}, 'chat.prod'],
];

export const INVALID_CASES: InvalidCase[] = [
  ...rows.map(([name, path, spec, instanceName]) => ({ name, path, instance: instanceWith(spec, instanceName) })),
  { name: 'spec missing', path: 'spec', instance: { apiVersion: API_VERSION, kind: KIND, metadata: { name: 'chat' } } },
  { name: 'a misspelt field', path: 'spec.replica', instance: instanceWith({ replica: 2 }), refusedAtDecoding: true },
  { name: 'a field the watcher lacks', path: 'spec.watcher.targets[0].port', instance: instanceWith(targets(target({ port: 9090 }))), refusedAtDecoding: true },
];

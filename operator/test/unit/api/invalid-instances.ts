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
  /** Words the refusal at `path` must contain: a CEL rule's own message, which the API server prints as is. */
  message?: string;
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
  ['provider DEVIN (v1.188.0 offers it only with a devin binary, which no image has)', 'spec.provider', { provider: 'DEVIN' }],
  ['model longer than 256 characters', 'spec.model', { model: 'm'.repeat(257) }],
  ['model of 257 emoji (characters, not UTF-16 units)', 'spec.model', { model: '\u{1F600}'.repeat(257) }],
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
  ['server port is the metrics port the spec names', 'spec.server.port', { server: { port: 9100, metrics: { port: 9100 } } }],
  ['metrics port negative', 'spec.server.metrics.port', { server: { metrics: { port: -1 } } }],
  ['metrics port above 65535', 'spec.server.metrics.port', { server: { metrics: { port: 65536 } } }],
  ['JWT without its secret', 'spec.server.security.jwt.secret', { server: { security: { jwt: { issuer: 'idp' } } } }],
  ['JWT secret without its key', 'spec.server.security.jwt.secret.key', { server: { security: { jwt: { secret: { name: 'chat-jwt' } } } } }],
  ['JWT secret name not a DNS subdomain', 'spec.server.security.jwt.secret.name', { server: { security: { jwt: { secret: { name: 'Chat_JWT', key: 'k' } } } } }],
  ['JWT issuer empty', 'spec.server.security.jwt.issuer', { server: { security: { jwt: { secret: { name: 'chat-jwt', key: 'k' }, issuer: '' } } } }],
  ['JWT audience over 4096 characters', 'spec.server.security.jwt.audience', { server: { security: { jwt: { secret: { name: 'chat-jwt', key: 'k' }, audience: 'a'.repeat(4097) } } } }],
  ['rate limit rps negative', 'spec.server.security.rateLimit.rps', { server: { security: { rateLimit: { rps: -1 } } } }],
  ['rate limit rps above 1000000', 'spec.server.security.rateLimit.rps', { server: { security: { rateLimit: { rps: 1_000_000.5 } } } }],
  ['rate limit rps a string', 'spec.server.security.rateLimit.rps', { server: { security: { rateLimit: { rps: '10' } } } }],
  ['rate limit burst 0', 'spec.server.security.rateLimit.burst', { server: { security: { rateLimit: { burst: 0 } } } }],
  ['rate limit burst fractional', 'spec.server.security.rateLimit.burst', { server: { security: { rateLimit: { burst: 1.5 } } } }],
  ['maxRecvMsgSize 0', 'spec.server.security.maxRecvMsgSize', { server: { security: { maxRecvMsgSize: 0 } } }],
  ['maxRecvMsgSize a quantity (the server reads bytes)', 'spec.server.security.maxRecvMsgSize', { server: { security: { maxRecvMsgSize: '64Mi' } } }],
  ['maxSendMsgSize above int32', 'spec.server.security.maxSendMsgSize', { server: { security: { maxSendMsgSize: 2_147_483_648 } } }],
  ['maxConcurrentStreams negative', 'spec.server.security.maxConcurrentStreams', { server: { security: { maxConcurrentStreams: -1 } } }],
  ['auditLog enabled a string', 'spec.server.security.auditLog.enabled', { server: { security: { auditLog: { enabled: 'yes' } } } }],
  // caBundle
  ['caBundle with neither source', 'spec.caBundle', { caBundle: {} }],
  ['caBundle from both a ConfigMap and a Secret', 'spec.caBundle', { caBundle: { configMapKeyRef: { name: 'ca', key: 'ca.crt' }, secretKeyRef: { name: 'ca', key: 'ca.crt' } } }],
  ['caBundle ConfigMap without key', 'spec.caBundle.configMapKeyRef.key', { caBundle: { configMapKeyRef: { name: 'ca' } } }],
  ['caBundle Secret key with a slash', 'spec.caBundle.secretKeyRef.key', { caBundle: { secretKeyRef: { name: 'ca', key: 'a/b' } } }],
  ['serviceMonitor with metrics port 0', 'spec.server.metrics.serviceMonitor.enabled', { server: { metrics: { port: 0, serviceMonitor: { enabled: true } } } }],
  ['serviceMonitor interval not a Prometheus duration', 'spec.server.metrics.serviceMonitor.interval', { server: { metrics: { serviceMonitor: { enabled: true, interval: '1.5m' } } } }],
  ['serviceMonitor label of the operator\'s', 'spec.server.metrics.serviceMonitor.labels', { server: { metrics: { serviceMonitor: { enabled: true, labels: { 'app.kubernetes.io/instance': 'x' } } } } }],
  // volumes and volumeMounts
  ['volume with no source', 'spec.volumes[0]', { volumes: [{ name: 'aws' }] }],
  ['volume with two sources', 'spec.volumes[0]', { volumes: [{ name: 'aws', configMap: { name: 'a' }, emptyDir: {} }] }],
  ['volume named like the operator\'s', 'spec.volumes[0].name', { volumes: [{ name: 'sessions', emptyDir: {} }] }],
  ['volume name twice', 'spec.volumes[1]', { volumes: [{ name: 'aws', configMap: { name: 'aws-config' } }, { name: 'aws', configMap: { name: 'aws-config' } }] }],
  ['volume item path with ..', 'spec.volumes[0].configMap.items[0].path', { volumes: [{ name: 'aws', configMap: { name: 'a', items: [{ key: 'k', path: '../etc/passwd' }] } }] }],
  ['volume defaultMode above 0777', 'spec.volumes[0].secret.defaultMode', { volumes: [{ name: 's', secret: { secretName: 's', defaultMode: 512 } }] }],
  ['projected source with two kinds', 'spec.volumes[0].projected.sources[0]', { volumes: [{ name: 'p', projected: { sources: [{ configMap: { name: 'a' }, secret: { name: 'b' } }] } }] }],
  ['projected token lifetime under 600 s', 'spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds', { volumes: [{ name: 'p', projected: { sources: [{ serviceAccountToken: { path: 't', expirationSeconds: 60 } }] } }] }],
  ['mount of a volume not in spec.volumes', 'spec.volumeMounts', { volumeMounts: [{ name: 'aws', mountPath: '/home/chatcli/.aws' }] }],
  ['mount at an operator path', 'spec.volumeMounts[0].mountPath', { volumes: [{ name: 'aws', configMap: { name: 'aws-config' } }], volumeMounts: [{ name: 'aws', mountPath: '/home/chatcli/.chatcli' }] }],
  ['mount containing an operator path', 'spec.volumeMounts[0].mountPath', { volumes: [{ name: 'aws', configMap: { name: 'aws-config' } }], volumeMounts: [{ name: 'aws', mountPath: '/etc/chatcli' }] }],
  ['mount inside the operator\'s TLS volume', 'spec.volumeMounts[0].mountPath', { volumes: [{ name: 'aws', configMap: { name: 'aws-config' } }], volumeMounts: [{ name: 'aws', mountPath: '/etc/chatcli/tls/extra' }] }],
  ['mount inside the sessions', 'spec.volumeMounts[0].mountPath', { volumes: [{ name: 'aws', configMap: { name: 'aws-config' } }], volumeMounts: [{ name: 'aws', mountPath: '/home/chatcli/.chatcli/sessions/x' }] }],
  ['mount path relative', 'spec.volumeMounts[0].mountPath', { volumes: [{ name: 'aws', configMap: { name: 'aws-config' } }], volumeMounts: [{ name: 'aws', mountPath: 'home/chatcli/.aws' }] }],
  ['mount path with ..', 'spec.volumeMounts[0].mountPath', { volumes: [{ name: 'aws', configMap: { name: 'aws-config' } }], volumeMounts: [{ name: 'aws', mountPath: '/home/chatcli/../../etc' }] }],
  ['mount subPath absolute', 'spec.volumeMounts[0].subPath', { volumes: [{ name: 'aws', configMap: { name: 'aws-config' } }], volumeMounts: [{ name: 'aws', mountPath: '/home/chatcli/.aws', subPath: '/config' }] }],
  ['mount path twice', 'spec.volumeMounts[1]', { volumes: [{ name: 'aws', configMap: { name: 'aws-config' } }], volumeMounts: [{ name: 'aws', mountPath: '/opt/a' }, { name: 'aws', mountPath: '/opt/a' }] }],
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

// The instance knobs (issue 12): placement, pod metadata, environment, Service,
// autoscaling, persistence access modes. A message is given where a CEL rule of
// ours refuses (the schema's own refusals are worded by the API server).
const tolerations = (...t: Spec[]) => ({ tolerations: t });
const nodeTerm = (term: Spec) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } } } });
const NODE_TERM = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]';
const antiAffinity = (term: Spec) => ({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } });
const ANTI_TERM = 'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]';
const spread = (...c: Spec[]) => ({ topologySpreadConstraints: c });
const zone = (c: Spec = {}) => ({ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', ...c });
const autoscaling = (a: Spec, more: Spec = {}) => ({ autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 4, targetCPUUtilizationPercentage: 70, ...a }, resources: { requests: { cpu: '100m' } }, ...more });
const rwo = { persistence: { enabled: true } };
const secretKey = { secretKeyRef: { name: 'keys', key: 'url' } };

const OPERATOR_LABELS = 'app.kubernetes.io/name, app.kubernetes.io/instance, app.kubernetes.io/managed-by and keys under chatcli.diillson.com/ are set by the operator';
const OPERATOR_ANNOTATIONS = "keys under chatcli.diillson.com/ are the operator's own";
const QUALIFIED_KEYS = 'every key must be a qualified name';
const OPERATOR_ENV = 'the operator sets this variable itself';
const NEEDS_VALUES = 'values must be non-empty when operator is In or NotIn';

const knobRows: Array<[name: string, path: string, message: string | undefined, spec: Spec]> = [
  // nodeSelector
  ['nodeSelector key with a space', 'spec.nodeSelector', QUALIFIED_KEYS, { nodeSelector: { 'disk type': 'ssd' } }],
  ['nodeSelector value with a slash', 'spec.nodeSelector.disk', undefined, { nodeSelector: { disk: 'ssd/nvme' } }],
  // tolerations
  ['toleration without key, operator Equal', 'spec.tolerations[0].operator', 'operator must be Exists when key is empty', tolerations({ operator: 'Equal', value: 'x' })],
  ['toleration Exists with a value', 'spec.tolerations[0].value', 'value must be empty when operator is Exists', tolerations({ key: 'gpu', operator: 'Exists', value: 'yes' })],
  ['tolerationSeconds without NoExecute', 'spec.tolerations[1].tolerationSeconds', 'tolerationSeconds needs effect NoExecute', tolerations({ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 })],
  ['toleration effect unknown', 'spec.tolerations[0].effect', undefined, tolerations({ key: 'gpu', operator: 'Exists', effect: 'NoRun' })],
  ['toleration key prefix longer than 253', 'spec.tolerations[0].key', "the prefix before '/' must be at most 253 characters", tolerations({ key: `${'a'.repeat(254)}/gpu`, operator: 'Exists' })],
  // affinity
  ['node affinity In without values', `${NODE_TERM}.matchExpressions[0].values`, NEEDS_VALUES, nodeTerm({ matchExpressions: [{ key: 'zone', operator: 'In' }] })],
  ['node affinity Exists with values', `${NODE_TERM}.matchExpressions[0].values`, 'values must be empty when operator is Exists or DoesNotExist', nodeTerm({ matchExpressions: [{ key: 'zone', operator: 'Exists', values: ['a'] }] })],
  ['node affinity Gt with a word', `${NODE_TERM}.matchExpressions[0].values`, 'operator Gt or Lt takes exactly one value, an integer', nodeTerm({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['many'] }] })],
  ['node affinity matchFields on a label', `${NODE_TERM}.matchFields[0].key`, 'matchFields supports only the key metadata.name', nodeTerm({ matchFields: [{ key: 'zone', operator: 'In', values: ['a'] }] })],
  ['node affinity without terms', 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms', undefined, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } }],
  ['preferred node weight 0', 'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight', undefined, { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: {} }] } } }],
  ['pod anti-affinity without topologyKey', `${ANTI_TERM}.topologyKey`, undefined, antiAffinity({ labelSelector: {} })],
  ['pod anti-affinity selector In without values', `${ANTI_TERM}.labelSelector.matchExpressions[0].values`, NEEDS_VALUES, antiAffinity({ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] } })],
  ['pod anti-affinity matchLabelKeys without labelSelector', `${ANTI_TERM}.labelSelector`, 'matchLabelKeys and mismatchLabelKeys need a labelSelector', antiAffinity({ topologyKey: 'kubernetes.io/hostname', matchLabelKeys: ['pod-template-hash'] })],
  // topologySpreadConstraints
  ['topology spread maxSkew 0', 'spec.topologySpreadConstraints[0].maxSkew', undefined, spread(zone({ maxSkew: 0 }))],
  ['topology spread minDomains with ScheduleAnyway', 'spec.topologySpreadConstraints[0].minDomains', 'minDomains needs whenUnsatisfiable DoNotSchedule', spread(zone({ whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 }))],
  ['topology spread matchLabelKeys repeating a selector key', 'spec.topologySpreadConstraints[0].matchLabelKeys', 'a key in matchLabelKeys may not also be in labelSelector', spread(zone({ labelSelector: { matchLabels: { tier: 'chat' } }, matchLabelKeys: ['tier'] }))],
  ['the same topology key and whenUnsatisfiable twice', 'spec.topologySpreadConstraints[1]', undefined, spread(zone(), zone({ maxSkew: 2 }))],
  // priorityClassName, imagePullSecrets
  ['priorityClassName with upper case', 'spec.priorityClassName', undefined, { priorityClassName: 'High-Priority' }],
  ['image pull secret without name', 'spec.imagePullSecrets[0].name', undefined, { imagePullSecrets: [{}] }],
  ['the same image pull secret twice', 'spec.imagePullSecrets[1]', undefined, { imagePullSecrets: [{ name: 'ghcr' }, { name: 'ghcr' }] }],
  // podLabels, podAnnotations
  ['podLabels overriding app.kubernetes.io/instance', 'spec.podLabels', OPERATOR_LABELS, { podLabels: { 'app.kubernetes.io/instance': 'other' } }],
  ['podLabels with a key in the operator domain', 'spec.podLabels', OPERATOR_LABELS, { podLabels: { 'chatcli.diillson.com/instance-namespace': 'x' } }],
  ['podLabels value with a space', 'spec.podLabels.team', undefined, { podLabels: { team: 'chat ops' } }],
  ['podAnnotations with the config-hash key', 'spec.podAnnotations', OPERATOR_ANNOTATIONS, { podAnnotations: { 'chatcli.diillson.com/config-hash': '0' } }],
  ['podAnnotations key with a space', 'spec.podAnnotations', QUALIFIED_KEYS, { podAnnotations: { 'my note': 'x' } }],
  // env, envFrom
  ['env naming HOME', 'spec.env[0].name', OPERATOR_ENV, { env: [{ name: 'HOME', value: '/root' }] }],
  ['env naming CHATCLI_SERVER_TOKEN', 'spec.env[1].name', OPERATOR_ENV, { env: [{ name: 'OLLAMA_BASE_URL', value: 'http://ollama:11434' }, { name: 'CHATCLI_SERVER_TOKEN', valueFrom: secretKey }] }],
  ['env naming LLM_PROVIDER', 'spec.env[0].name', OPERATOR_ENV, { env: [{ name: 'LLM_PROVIDER', value: 'OLLAMA' }] }],
  ['env naming CHATCLI_JWT_SECRET (spec.server.security.jwt)', 'spec.env[0].name', OPERATOR_ENV, { env: [{ name: 'CHATCLI_JWT_SECRET', valueFrom: secretKey }] }],
  ['env naming CHATCLI_RATE_LIMIT_RPS (spec.server.security.rateLimit)', 'spec.env[0].name', OPERATOR_ENV, { env: [{ name: 'CHATCLI_RATE_LIMIT_RPS', value: '100' }] }],
  ['env naming CHATCLI_AUDIT_LOG_PATH (spec.server.security.auditLog)', 'spec.env[0].name', OPERATOR_ENV, { env: [{ name: 'CHATCLI_AUDIT_LOG_PATH', value: '/tmp/audit.log' }] }],
  // server.security
  ['rate limit rps 0 (the server would keep its default)', 'spec.server.security.rateLimit.rps', 'must be greater than 0', { server: { security: { rateLimit: { rps: 0 } } } }],
  ['env with value and valueFrom', 'spec.env[0].valueFrom', 'value and valueFrom may not both be set', { env: [{ name: 'URL', value: 'x', valueFrom: secretKey }] }],
  ['env valueFrom with two sources', 'spec.env[0].valueFrom', 'exactly one of fieldRef, resourceFieldRef, configMapKeyRef or secretKeyRef', { env: [{ name: 'URL', valueFrom: { ...secretKey, configMapKeyRef: { name: 'c', key: 'url' } } }] }],
  ['env valueFrom with no source', 'spec.env[0].valueFrom', 'exactly one of fieldRef, resourceFieldRef, configMapKeyRef or secretKeyRef', { env: [{ name: 'URL', valueFrom: {} }] }],
  ['env name starting with a digit', 'spec.env[0].name', undefined, { env: [{ name: '1URL', value: 'x' }] }],
  ['the same env name twice', 'spec.env[1]', undefined, { env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }],
  ['env fieldRef to an unsupported field', 'spec.env[0].valueFrom.fieldRef.fieldPath', undefined, { env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.containers' } } }] }],
  ['envFrom with configMapRef and secretRef', 'spec.envFrom[0]', 'exactly one of configMapRef or secretRef', { envFrom: [{ configMapRef: { name: 'c' }, secretRef: { name: 's' } }] }],
  ['envFrom with no source', 'spec.envFrom[0]', 'exactly one of configMapRef or secretRef', { envFrom: [{ prefix: 'X_' }] }],
  ['envFrom prefix with a space', 'spec.envFrom[0].prefix', undefined, { envFrom: [{ prefix: 'MY PREFIX', configMapRef: { name: 'c' } }] }],
  // service
  ['service type ExternalName', 'spec.service.type', undefined, { service: { type: 'ExternalName' } }],
  ['service annotation in the operator domain', 'spec.service.annotations', OPERATOR_ANNOTATIONS, { service: { annotations: { 'chatcli.diillson.com/owner-uid': 'x' } } }],
  // serviceAccount
  ['serviceAccount annotation in the operator domain', 'spec.serviceAccount.annotations', OPERATOR_ANNOTATIONS, { serviceAccount: { annotations: { 'chatcli.diillson.com/owner-uid': 'x' } } }],
  ['serviceAccount annotation key with a space', 'spec.serviceAccount.annotations', QUALIFIED_KEYS, { serviceAccount: { annotations: { 'role arn': 'x' } } }],
  ['serviceAccount annotation value over 4096 characters', 'spec.serviceAccount.annotations.note', undefined, { serviceAccount: { annotations: { note: 'a'.repeat(4097) } } }],
  // agents, skills
  ['agents with no ConfigMap', 'spec.agents.configMaps', undefined, { agents: { configMaps: [] } }],
  ['agents without configMaps', 'spec.agents.configMaps', undefined, { agents: {} }],
  ['agents ConfigMap not a DNS subdomain', 'spec.agents.configMaps[0].name', undefined, { agents: { configMaps: [{ name: 'My_Agents' }] } }],
  ['the same agents ConfigMap twice', 'spec.agents.configMaps[1]', undefined, { agents: { configMaps: [{ name: 'agents' }, { name: 'agents' }] } }],
  ['skills ConfigMap without name', 'spec.skills.configMaps[0].name', undefined, { skills: { configMaps: [{}] } }],
  ['17 skills ConfigMaps', 'spec.skills.configMaps', undefined, { skills: { configMaps: Array.from({ length: 17 }, (_, i) => ({ name: `skills-${i}` })) } }],
  // autoscaling
  ['autoscaling without maxReplicas', 'spec.autoscaling.maxReplicas', 'maxReplicas is required when autoscaling is enabled', autoscaling({ maxReplicas: undefined })],
  ['autoscaling without a target', 'spec.autoscaling.targetCPUUtilizationPercentage', 'an enabled autoscaler needs targetCPUUtilizationPercentage, targetMemoryUtilizationPercentage or both', autoscaling({ targetCPUUtilizationPercentage: undefined })],
  ['autoscaling minReplicas above maxReplicas', 'spec.autoscaling.maxReplicas', 'maxReplicas must be at least minReplicas', autoscaling({ minReplicas: 5, maxReplicas: 3 })],
  ['autoscaling minReplicas 0', 'spec.autoscaling.minReplicas', undefined, autoscaling({ minReplicas: 0 })],
  ['autoscaling maxReplicas above 100', 'spec.autoscaling.maxReplicas', undefined, autoscaling({ maxReplicas: 101 })],
  ['a CPU target without a cpu request', 'spec.autoscaling.targetCPUUtilizationPercentage', 'a cpu utilisation target needs resources.requests.cpu', autoscaling({}, { resources: { requests: { memory: '128Mi' } } })],
  ['a memory target without a memory request', 'spec.autoscaling.targetMemoryUtilizationPercentage', 'a memory utilisation target needs resources.requests.memory', autoscaling({ targetCPUUtilizationPercentage: undefined, targetMemoryUtilizationPercentage: 80 })],
  // persistence
  ['two replicas on a ReadWriteOnce claim', 'spec.replicas', 'more than one replica needs persistence.accessModes to include ReadWriteMany', { ...rwo, replicas: 2 }],
  ['two replicas on a ReadWriteOncePod existing claim', 'spec.replicas', 'more than one replica needs persistence.accessModes to include ReadWriteMany', { persistence: { enabled: true, existingClaim: 'shared', accessModes: ['ReadWriteOncePod'] }, replicas: 2 }],
  ['autoscaling on a ReadWriteOnce claim', 'spec.autoscaling.enabled', 'autoscaling needs persistence.accessModes to include ReadWriteMany', autoscaling({}, rwo)],
  ['access mode ReadOnlyMany', 'spec.persistence.accessModes[0]', undefined, { persistence: { accessModes: ['ReadOnlyMany'] } }],
  ['ReadWriteOncePod with another mode', 'spec.persistence.accessModes', 'ReadWriteOncePod may not be combined with another access mode', { persistence: { accessModes: ['ReadWriteOncePod', 'ReadWriteMany'] } }],
  ['no access mode', 'spec.persistence.accessModes', undefined, { persistence: { accessModes: [] } }],
  ['existingClaim not a DNS subdomain', 'spec.persistence.existingClaim', undefined, { persistence: { enabled: true, existingClaim: 'My Claim' } }],
];

export const INVALID_CASES: InvalidCase[] = [
  ...rows.map(([name, path, spec, instanceName]) => ({ name, path, instance: instanceWith(spec, instanceName) })),
  ...knobRows.map(([name, path, message, spec]) => ({ name, path, instance: instanceWith(spec), ...(message ? { message } : {}) })),
  { name: 'spec missing', path: 'spec', instance: { apiVersion: API_VERSION, kind: KIND, metadata: { name: 'chat' } } },
  { name: 'a misspelt field', path: 'spec.replica', instance: instanceWith({ replica: 2 }), refusedAtDecoding: true },
  { name: 'serviceAccount name (the operator always makes <name>)', path: 'spec.serviceAccount.name', instance: instanceWith({ serviceAccount: { name: 'default' } }), refusedAtDecoding: true },
  { name: 'an agents ConfigMap key mapping (whole ConfigMaps only)', path: 'spec.agents.configMaps[0].items', instance: instanceWith({ agents: { configMaps: [{ name: 'agents', items: [] }] } }), refusedAtDecoding: true },
  { name: 'a field the watcher lacks', path: 'spec.watcher.targets[0].port', instance: instanceWith(targets(target({ port: 9090 }))), refusedAtDecoding: true },
];

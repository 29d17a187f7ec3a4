// The environment ConfigMap `<name>`: everything the server reads from its
// environment except secrets (the token and API keys never pass through here).
// It comes after the API-key Secret in envFrom, so on a duplicate name it wins.
import type { DefaultedChatCLIInstance, SecuritySpec } from '../api/chatcliinstance.ts';
import { AUDIT_LOG_FILE, BIND_ALL_INTERFACES, DEFAULT_METRICS_PORT, ENV, HOME_DIR, HUB_DATABASE_FILE, LOG_MODE_STDOUT } from './chatcli.ts';
import { singleNodeClaim } from './deployment.ts';
import { CA_BUNDLE_FILE, WATCH_CONFIG_FILE, envConfigMapName, type InstanceKey } from './names.ts';
import { ownedMeta, type KubeObject } from './object.ts';
import { watchMode } from './watcher.ts';

export function envConfigData(instance: DefaultedChatCLIInstance): Record<string, string> {
  const { spec } = instance;
  const data: Record<string, string> = { [ENV.provider]: spec.provider };
  if (spec.model) data[ENV.model] = spec.model;
  data[ENV.serverPort] = String(spec.server.port);
  // Always written, 0 too: the server's own default is 9090.
  data[ENV.metricsPort] = String(spec.server.metrics?.port ?? DEFAULT_METRICS_PORT);
  // Where the server writes: whatever uid the pod runs as, it may have no passwd
  // entry in the image, and then no usable $HOME.
  data[ENV.home] = HOME_DIR;
  // The server's log on stdout, so `kubectl logs` shows it (v1.188.0 writes
  // only to $HOME/.chatcli/app.log otherwise).
  data[ENV.logMode] = LOG_MODE_STDOUT;
  data[ENV.bindAddress] = BIND_ALL_INTERFACES;
  Object.assign(data, securityConfigData(spec.server.security));
  // The OLLAMA provider exists only when enabled; its address comes from the
  // API-key Secret (OLLAMA_BASE_URL), so it is not set here.
  if (spec.provider === 'OLLAMA') data[ENV.ollamaEnabled] = 'true';
  // The hub on the claim only while one pod at a time mounts it (Recreate, one
  // replica): SQLite's WAL needs every process using the file on one host, and
  // ReadWriteMany pods on several nodes would share it over the network. Those
  // keep the hub in their own emptyDir, as without persistence.
  if (singleNodeClaim(spec)) data[ENV.hubDatabase] = HUB_DATABASE_FILE;
  if (spec.caBundle) data[ENV.caBundle] = CA_BUNDLE_FILE;

  const mode = watchMode(spec, instance.metadata.namespace);
  if (mode.kind === 'targets') {
    data[ENV.watchConfig] = WATCH_CONFIG_FILE;
  } else if (mode.kind === 'legacy') {
    data[ENV.watchDeployment] = mode.deployment;
    data[ENV.watchNamespace] = mode.namespace;
    data[ENV.watchInterval] = spec.watcher.interval;
    data[ENV.watchWindow] = spec.watcher.window;
    data[ENV.watchMaxLogLines] = String(spec.watcher.maxLogLines);
  }
  return data;
}

/** spec.server.security's plain settings, only those it sets (the server keeps
 * its own defaults otherwise). The JWT key is not one: the container reads it
 * from its Secret (deployment.ts). */
export function securityConfigData(security: SecuritySpec | undefined): Record<string, string> {
  const data: Record<string, string> = {};
  if (security?.jwt?.issuer) data[ENV.jwtIssuer] = security.jwt.issuer;
  if (security?.jwt?.audience) data[ENV.jwtAudience] = security.jwt.audience;
  if (security?.rateLimit?.rps !== undefined) data[ENV.rateLimitRps] = String(security.rateLimit.rps);
  if (security?.rateLimit?.burst !== undefined) data[ENV.rateLimitBurst] = String(security.rateLimit.burst);
  if (security?.maxRecvMsgSize !== undefined) data[ENV.maxRecvMsgSize] = String(security.maxRecvMsgSize);
  if (security?.maxSendMsgSize !== undefined) data[ENV.maxSendMsgSize] = String(security.maxSendMsgSize);
  if (security?.maxConcurrentStreams !== undefined) data[ENV.maxConcurrentStreams] = String(security.maxConcurrentStreams);
  if (security?.auditLog?.enabled) data[ENV.auditLogPath] = AUDIT_LOG_FILE;
  return data;
}

export function desiredEnvConfigMap(instance: DefaultedChatCLIInstance, data = envConfigData(instance)): KubeObject {
  const key: InstanceKey = instance.metadata;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: ownedMeta(instance.metadata, envConfigMapName(key), key.namespace),
    data,
  };
}

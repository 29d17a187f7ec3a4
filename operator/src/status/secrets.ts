// SecretsFound: does every Secret the pod refers to exist, with the key it
// names? A missing Secret otherwise shows up only as a pod stuck in
// CreateContainerConfigError; this names the Secret and the field that refers
// to it. The reconciler checks existence and key names only, never values.
import type { ChatCLIInstanceSpec } from '../api/chatcliinstance.ts';
import { SecretsReason } from './condition-types.ts';
import { clipMessage, type Verdict } from './conditions.ts';
import type { PodView, SecretKeysByName, SecretView } from './views.ts';

export interface SecretReference {
  /** Name of the Secret in the instance's namespace. */
  name: string;
  /** The spec field that names it, e.g. "spec.apiKeys.name". */
  field: string;
  /** A key the Secret must hold, and the field that names that key. */
  key?: { name: string; field: string };
}

/**
 * The Secrets the pod cannot start without, every field of the spec that puts
 * one in it: API keys and extra sources (envFrom), the token and extra
 * variables (secretKeyRef), the JWT key (secretKeyRef), the TLS volume. One marked `optional: true` is
 * left out: the kubelet starts the pod without it. Lookups use these (keys only).
 */
export function referencedSecrets(spec: Pick<ChatCLIInstanceSpec, 'apiKeys' | 'server' | 'env' | 'envFrom' | 'caBundle'>): SecretReference[] {
  const refs: SecretReference[] = [];
  if (spec.apiKeys?.name) refs.push({ name: spec.apiKeys.name, field: 'spec.apiKeys.name' });
  const token = spec.server?.token;
  if (token?.name) {
    refs.push({ name: token.name, field: 'spec.server.token.name', key: { name: token.key, field: 'spec.server.token.key' } });
  }
  const jwt = spec.server?.security?.jwt?.secret;
  if (jwt?.name) {
    refs.push({ name: jwt.name, field: 'spec.server.security.jwt.secret.name', key: { name: jwt.key, field: 'spec.server.security.jwt.secret.key' } });
  }
  const tls = spec.server?.tls;
  if (tls?.enabled && tls.secretName) refs.push({ name: tls.secretName, field: 'spec.server.tls.secretName' });
  // A volume, like the TLS Secret: a missing one shows only in FailedMount Events.
  const caBundle = spec.caBundle?.secretKeyRef;
  if (caBundle) {
    refs.push({ name: caBundle.name, field: 'spec.caBundle.secretKeyRef.name', key: { name: caBundle.key, field: 'spec.caBundle.secretKeyRef.key' } });
  }
  (spec.envFrom ?? []).forEach((source, i) => {
    const ref = source.secretRef;
    if (ref?.name && ref.optional !== true) refs.push({ name: ref.name, field: `spec.envFrom[${i}].secretRef.name` });
  });
  (spec.env ?? []).forEach((variable, i) => {
    const ref = variable.valueFrom?.secretKeyRef;
    if (!ref?.name || ref.optional === true) return;
    const field = `spec.env[${i}].valueFrom.secretKeyRef`;
    refs.push({ name: ref.name, field: `${field}.name`, key: { name: ref.key, field: `${field}.key` } });
  });
  return refs;
}

/** The Secrets as read, reduced to key names: values are dropped here, before anything could carry them on. */
export function secretKeysByName(secrets: readonly SecretView[]): SecretKeysByName {
  const byName: Record<string, string[]> = {};
  for (const secret of secrets) {
    const name = secret.metadata?.name;
    if (!name) continue;
    const keys = new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})]);
    byName[name] = [...keys].sort();
  }
  return byName;
}

/** `secretKeys` undefined: the reconciler could not look the Secrets up. */
export function secretsFoundVerdict(refs: readonly SecretReference[], secretKeys: SecretKeysByName | undefined, namespace: string): Verdict {
  if (secretKeys === undefined) {
    return { status: 'Unknown', reason: SecretsReason.SecretsNotChecked, message: `the referenced Secrets could not be looked up in namespace ${namespace}` };
  }
  const missingSecrets = groupByName(refs.filter((r) => !Object.hasOwn(secretKeys, r.name)));
  const missingKeys = refs.flatMap(({ name, key }) =>
    key !== undefined && Object.hasOwn(secretKeys, name) && !secretKeys[name]?.includes(key.name) ? [{ secret: name, key }] : [],
  );

  const problems = [
    ...[...missingSecrets].map(([name, fields]) => `Secret "${name}" (${fields.join(', ')}) not found in namespace ${namespace}`),
    ...missingKeys.map(({ secret, key }) => `key "${key.name}" (${key.field}) not found in Secret "${secret}" in namespace ${namespace}`),
  ];
  if (problems.length > 0) {
    const reason = missingSecrets.size > 0 ? SecretsReason.SecretNotFound : SecretsReason.SecretKeyNotFound;
    return { status: 'False', reason, message: clipMessage(problems.join('; ')) };
  }
  const names = [...groupByName(refs).keys()].map((n) => `"${n}"`);
  const message = names.length === 0 ? 'the spec refers to no Secret' : `found ${names.length === 1 ? 'Secret' : 'Secrets'} ${names.join(', ')} in namespace ${namespace}`;
  return { status: 'True', reason: SecretsReason.AllSecretsFound, message };
}

/** One Secret may be named by several fields (API keys and token in one Secret). */
function groupByName(refs: readonly SecretReference[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const r of refs) byName.set(r.name, [...(byName.get(r.name) ?? []), r.field]);
  return byName;
}

// The kubelet's CreateContainerConfigError messages (pkg/kubelet/kubelet_pods.go).
const SECRET_NOT_FOUND = /secret "([^"]+)" not found/g;
const KEY_NOT_FOUND = /couldn't find key (\S+) in Secret [^/\s]+\/([^\s"]+)/g;

/**
 * SecretsFound from what the kubelet reports on the instance's pods, for an
 * operator that may not read Secrets. Key-name knowledge comes from the
 * kubelet's messages only, so no value can reach the status.
 */
export function secretsVerdictFromPods(refs: readonly SecretReference[], pods: readonly PodView[], namespace: string): Verdict {
  const missing = new Set<string>();
  const missingKeys = new Set<string>();
  for (const pod of pods) {
    for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const message = c.state?.waiting?.reason === 'CreateContainerConfigError' ? (c.state.waiting.message ?? '') : '';
      for (const m of message.matchAll(SECRET_NOT_FOUND)) if (m[1]) missing.add(m[1]);
      for (const m of message.matchAll(KEY_NOT_FOUND)) if (m[1] && m[2]) missingKeys.add(`${m[2]}/${m[1]}`);
    }
  }
  const reported = refs.filter((r) => missing.has(r.name) || (r.key !== undefined && missingKeys.has(`${r.name}/${r.key.name}`)));
  if (reported.length === 0) {
    const names = [...groupByName(refs).keys()].map((n) => `"${n}"`);
    const message = names.length === 0 ? 'the spec refers to no Secret' : `no pod reports a missing Secret or key (${names.join(', ')})`;
    return { status: 'True', reason: names.length === 0 ? SecretsReason.AllSecretsFound : SecretsReason.NoneReportedMissing, message };
  }
  // What the kubelet reported, as if looked up: a missing Secret is absent, a
  // Secret with a missing key holds every referenced key but that one.
  const keys: Record<string, string[]> = {};
  for (const r of refs) {
    if (missing.has(r.name)) continue;
    const held = (keys[r.name] ??= []);
    if (r.key !== undefined && !missingKeys.has(`${r.name}/${r.key.name}`)) held.push(r.key.name);
  }
  return secretsFoundVerdict(refs, keys, namespace);
}

// spec.volumes and spec.volumeMounts: the escape hatch for files the server
// reads that no field provides (AWS config and web-identity tokens, a
// credentials file, a CSI secrets-store mount, plugins). Structural schemas of
// the core/v1 Volume sources a server needs, field for field (configMap,
// secret, emptyDir, persistentVolumeClaim, projected, csi; not hostPath, which
// no tenant should get through an instance, nor the cloud-disk and legacy
// in-tree sources), with CEL rules naming the field for what pod validation
// would refuse later, and for what would shadow the operator's own volumes:
// their names, their mount paths, what contains them and what is inside the
// read-only ones (src/desired/deployment.ts).
import { Type, type Static } from '@sinclair/typebox';
import { celRule, validations } from './cel.ts';
import { DNS1123_LABEL, DNS1123_LABEL_MAX, DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN_MAX, LIMITS } from './formats.ts';
import { QuantityValue } from './core.ts';
import { AGENTS_DIR, HOME_DIR, SESSIONS_DIR, SKILLS_DIR, STATE_DIR } from '../desired/chatcli.ts';
import {
  CA_BUNDLE_DIR, TLS_DIR, TMP_DIR, VOLUME_AGENTS, VOLUME_CA_BUNDLE, VOLUME_HOME, VOLUME_SESSIONS, VOLUME_SKILLS, VOLUME_STATE, VOLUME_TLS, VOLUME_TMP,
  VOLUME_WATCH_CONFIG, WATCH_CONFIG_DIR,
} from '../desired/names.ts';

/** The operator's volume names: a volume of the spec never takes one, used or not. */
export const OPERATOR_VOLUMES = [VOLUME_TMP, VOLUME_HOME, VOLUME_STATE, VOLUME_SESSIONS, VOLUME_TLS, VOLUME_WATCH_CONFIG, VOLUME_AGENTS, VOLUME_SKILLS, VOLUME_CA_BUNDLE] as const;
/** The operator's mount paths: a mount of the spec is none of them and contains none of them. */
export const OPERATOR_MOUNT_PATHS = [TMP_DIR, HOME_DIR, STATE_DIR, SESSIONS_DIR, TLS_DIR, WATCH_CONFIG_DIR, AGENTS_DIR, SKILLS_DIR, CA_BUNDLE_DIR] as const;
/** The operator's mounts a mount of the spec may not go inside: read-only volumes, and the sessions the server owns.
 * Inside /tmp, $HOME and $HOME/.chatcli (writable emptyDirs) is allowed: ~/.aws/config, for instance. */
export const SEALED_MOUNT_PATHS = [SESSIONS_DIR, TLS_DIR, WATCH_CONFIG_DIR, AGENTS_DIR, SKILLS_DIR, CA_BUNDLE_DIR] as const;

const celList = (values: readonly string[]) => `[${values.map((v) => `'${v}'`).join(', ')}]`;
const dnsSubdomain = (description: string) => Type.String({ description, pattern: DNS1123_SUBDOMAIN, maxLength: DNS1123_SUBDOMAIN_MAX });
/** A path segment that is not empty, `.`, `..` nor starts with `..` (as pod
 * validation refuses for projected paths); a pattern, not a CEL rule: a rule
 * on every path of nested lists costs more than the CRD's whole CEL budget. */
const SEGMENT = '([^/.][^/]*|\\.[^/.][^/]*)';
/** An absolute path of such segments, without a trailing slash. */
const ABSOLUTE_PATH = `^(/${SEGMENT})+$`;
/** A relative path of such segments. */
const RELATIVE_PATH = `^${SEGMENT}(/${SEGMENT})*$`;
const relativePath = (description: string) => Type.String({ description, pattern: RELATIVE_PATH, maxLength: LIMITS.shortString });
const fileMode = (description: string) => Type.Integer({ description, minimum: 0, maximum: 0o777, format: 'int32' });

const KeyToPath = Type.Object(
  {
    key: Type.String({ description: 'The key to project.', minLength: 1, maxLength: LIMITS.shortString }),
    path: relativePath('Relative path of the file the key becomes.'),
    mode: Type.Optional(fileMode('Mode bits of this file (0-0777), e.g. 0644 written as 420.')),
  },
  { description: 'A key projected as a file.' },
);
const keyItems = Type.Optional(Type.Array(KeyToPath, { description: 'Keys to project, each as a file; all keys when absent.', maxItems: LIMITS.volumeItems, 'x-kubernetes-list-type': 'atomic' }));

const defaultMode = Type.Optional(fileMode('Mode bits of the files (0-0777), 0644 by default.'));
/** A ConfigMap's or Secret's keys as files: in a projected volume (no defaultMode of its own), or as a volume. */
function keysAsFiles(kind: 'ConfigMap' | 'Secret', nameField: 'name' | 'secretName', description: string, volume: boolean) {
  return Type.Object(
    {
      [nameField]: dnsSubdomain(`${kind} in the instance's namespace.`),
      items: keyItems,
      ...(volume ? { defaultMode } : {}),
      optional: Type.Optional(Type.Boolean({ description: `Start the pod even when the ${kind} (or a key) is missing.` })),
    },
    { description },
  );
}
const ConfigMapProjection = keysAsFiles('ConfigMap', 'name', 'A ConfigMap\'s keys as files.', false);
const SecretProjection = keysAsFiles('Secret', 'name', 'A Secret\'s keys as files.', false);
const ServiceAccountTokenProjection = Type.Object(
  {
    audience: Type.Optional(Type.String({ description: 'Audience of the token (the API server\'s by default), e.g. sts.amazonaws.com.', maxLength: LIMITS.shortString })),
    expirationSeconds: Type.Optional(Type.Integer({ description: 'Requested lifetime of the token, 600 seconds or more; the kubelet rotates it.', minimum: 600, maximum: 2 ** 32, format: 'int64' })),
    path: relativePath('Relative path of the token file.'),
  },
  { description: 'A token of the instance\'s ServiceAccount for another audience (workload identity: IRSA, GKE, Azure).' },
);

type ProjectionShape = { configMap?: unknown; secret?: unknown; serviceAccountToken?: unknown };
const oneProjectionSource = celRule<ProjectionShape>(
  {
    rule: '(has(self.configMap) ? 1 : 0) + (has(self.secret) ? 1 : 0) + (has(self.serviceAccountToken) ? 1 : 0) == 1',
    message: 'exactly one of configMap, secret or serviceAccountToken',
  },
  (p) => [p.configMap, p.secret, p.serviceAccountToken].filter((x) => x !== undefined).length === 1,
);
const VolumeProjection = Type.Object(
  {
    configMap: Type.Optional(ConfigMapProjection),
    secret: Type.Optional(SecretProjection),
    serviceAccountToken: Type.Optional(ServiceAccountTokenProjection),
  },
  { description: 'One source of a projected volume.', ...validations(oneProjectionSource) },
);

const SOURCES = ['configMap', 'secret', 'emptyDir', 'persistentVolumeClaim', 'projected', 'csi'] as const;
type VolumeShape = { name: string } & Partial<Record<(typeof SOURCES)[number], unknown>>;
const oneSource = celRule<VolumeShape>(
  {
    rule: SOURCES.map((s) => `(has(self.${s}) ? 1 : 0)`).join(' + ') + ' == 1',
    message: `exactly one source: ${SOURCES.join(', ')}`,
  },
  (v) => SOURCES.filter((s) => v[s] !== undefined).length === 1,
);
const notAnOperatorVolume = celRule<VolumeShape>(
  {
    rule: `!(self.name in ${celList(OPERATOR_VOLUMES)})`,
    message: `the name is the operator's own volume (${OPERATOR_VOLUMES.join(', ')}): choose another`,
    fieldPath: '.name',
    reason: 'FieldValueForbidden',
  },
  (v) => !(OPERATOR_VOLUMES as readonly string[]).includes(v.name),
);

export const Volume = Type.Object(
  {
    name: Type.String({ description: 'Name of the volume, which volumeMounts use; not one of the operator\'s.', pattern: DNS1123_LABEL, maxLength: DNS1123_LABEL_MAX }),
    configMap: Type.Optional(keysAsFiles('ConfigMap', 'name', 'A ConfigMap\'s keys as files.', true)),
    secret: Type.Optional(keysAsFiles('Secret', 'secretName', 'A Secret\'s keys as files; the operator never reads its values.', true)),
    emptyDir: Type.Optional(Type.Object(
      {
        medium: Type.Optional(Type.Union([Type.Literal(''), Type.Literal('Memory')], { description: '"" (the node\'s disk) or Memory (tmpfs, counted in the container\'s memory).' })),
        sizeLimit: Type.Optional(QuantityValue),
      },
      { description: 'A scratch folder that lives as long as the pod.' },
    )),
    persistentVolumeClaim: Type.Optional(Type.Object(
      {
        claimName: dnsSubdomain('PersistentVolumeClaim in the instance\'s namespace (not the operator\'s <name>-sessions).'),
        readOnly: Type.Optional(Type.Boolean({ description: 'Mount the claim read-only.' })),
      },
      { description: 'An existing claim.' },
    )),
    projected: Type.Optional(Type.Object(
      {
        sources: Type.Array(VolumeProjection, { description: 'The sources, written in order (a later one wins on a path).', minItems: 1, maxItems: LIMITS.volumeItems, 'x-kubernetes-list-type': 'atomic' }),
        defaultMode,
      },
      { description: 'ConfigMaps, Secrets and ServiceAccount tokens in one folder.' },
    )),
    csi: Type.Optional(Type.Object(
      {
        driver: dnsSubdomain('Name of the CSI driver, e.g. secrets-store.csi.k8s.io.'),
        readOnly: Type.Optional(Type.Boolean({ description: 'Mount read-only.' })),
        fsType: Type.Optional(Type.String({ description: 'Filesystem type, e.g. ext4, when the driver asks for one.', maxLength: 63 })),
        volumeAttributes: Type.Optional(Type.Record(Type.String({ maxLength: LIMITS.shortString }), Type.String({ maxLength: LIMITS.longString }), {
          description: 'Driver-specific attributes, e.g. secretProviderClass.', maxProperties: LIMITS.mapEntries,
        })),
        nodePublishSecretRef: Type.Optional(Type.Object({ name: dnsSubdomain('Secret in the instance\'s namespace.') }, { description: 'A Secret the driver is handed.' })),
      },
      { description: 'An ephemeral volume of a CSI driver (inline).' },
    )),
  },
  { description: 'A volume of the server pods besides the operator\'s: exactly one source.', ...validations(oneSource, notAnOperatorVolume) },
);
export type Volume = Static<typeof Volume>;

type MountShape = { name: string; mountPath: string; subPath?: string };
const notAnOperatorPath = celRule<MountShape>(
  {
    rule: `!(self.mountPath in ${celList(OPERATOR_MOUNT_PATHS)}) && !${celList(OPERATOR_MOUNT_PATHS)}.exists(p, p.startsWith(self.mountPath + '/'))`,
    message: `must not be, or contain, a path the operator mounts (${OPERATOR_MOUNT_PATHS.join(', ')})`,
    fieldPath: '.mountPath',
    reason: 'FieldValueForbidden',
  },
  (m) => !(OPERATOR_MOUNT_PATHS as readonly string[]).includes(m.mountPath) && !OPERATOR_MOUNT_PATHS.some((p) => p.startsWith(`${m.mountPath}/`)),
);
const notInsideSealed = celRule<MountShape>(
  {
    rule: `!${celList(SEALED_MOUNT_PATHS)}.exists(p, self.mountPath.startsWith(p + '/'))`,
    message: `must not be inside ${SEALED_MOUNT_PATHS.join(', ')} (read-only volumes and the sessions of the operator)`,
    fieldPath: '.mountPath',
    reason: 'FieldValueForbidden',
  },
  (m) => !SEALED_MOUNT_PATHS.some((p) => m.mountPath.startsWith(`${p}/`)),
);

export const VolumeMount = Type.Object(
  {
    name: Type.String({ description: 'A volume of spec.volumes.', pattern: DNS1123_LABEL, maxLength: DNS1123_LABEL_MAX }),
    mountPath: Type.String({
      description: 'Absolute path in the container, without "." or ".." segments; not a path of the operator\'s nor one containing it, not inside its read-only volumes or sessions.',
      pattern: ABSOLUTE_PATH,
      maxLength: LIMITS.shortString,
    }),
    subPath: Type.Optional(relativePath('A path inside the volume to mount instead of its root (a ConfigMap or Secret mounted so is not updated in place).')),
    readOnly: Type.Optional(Type.Boolean({ description: 'Mount read-only (the default for ConfigMap, Secret and projected volumes anyway).' })),
  },
  { description: 'Where a volume of spec.volumes appears in the server container.', ...validations(notAnOperatorPath, notInsideSealed) },
);
export type VolumeMount = Static<typeof VolumeMount>;

/** On the spec: every mount names a volume of spec.volumes. */
export const mountsNameVolumes = celRule<{ volumes?: { name: string }[]; volumeMounts?: { name: string }[] }>(
  {
    rule: '!has(self.volumeMounts) || self.volumeMounts.all(m, has(self.volumes) && self.volumes.exists(v, v.name == m.name))',
    message: 'every volumeMounts[].name must be the name of a volume in spec.volumes',
    fieldPath: '.volumeMounts',
    reason: 'FieldValueInvalid',
  },
  (s) => (s.volumeMounts ?? []).every((m) => (s.volumes ?? []).some((v) => v.name === m.name)),
);

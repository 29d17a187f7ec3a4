// String formats and size limits of the ChatCLIInstance API, in one place: the
// schema (and so the CRD), the CEL rules and the offline validator all read them.
// Patterns are anchored and use only syntax that Go's RE2 (the API server) and
// JavaScript's RegExp (validate.ts) read the same way.

/** RFC 1123 label: namespaces, volume-like names. */
export const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DNS1123_LABEL_MAX = 63;

/** RFC 1123 subdomain: Deployments, Secrets, StorageClasses. */
export const DNS1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const DNS1123_SUBDOMAIN_MAX = 253;

/** RFC 1035 label: what a Service name must be (starts with a letter). */
export const DNS1035_LABEL = '^[a-z]([-a-z0-9]*[a-z0-9])?$';

/**
 * Longest instance name. The name is used as is for the Deployment, Service,
 * ServiceAccount and env ConfigMap, so it must be a DNS-1035 label (Service).
 * Its pods are named `<name>-<pod-template-hash>-<random>`: the hash is at most
 * 10 characters (a decimal uint32, re-encoded) and the suffix 5, so 63 - 1 - 10
 * - 1 - 5 = 46 keeps every pod name (and pod hostname, a 63-character label)
 * whole instead of truncated. The other derived names are then short enough
 * too: `<name>-watch-config` (59), `<name>-sessions`, `<name>-watcher`, and the
 * cluster-scoped `<namespace>-<name>-watcher` (at most 63 + 1 + 46 + 8 = 118 of
 * 253), and the label value `app.kubernetes.io/instance: <name>` (63).
 */
export const INSTANCE_NAME_MAX = 46;

/** A key of a Secret's data. */
export const SECRET_KEY = '^[-._a-zA-Z0-9]+$';
export const SECRET_KEY_MAX = 253;

/**
 * A Go duration as `chatcli serve` parses it (time.ParseDuration), in the form
 * Go itself prints: units in decreasing order, each at most once, e.g. "30s",
 * "1h30m", "1.5h", "250ms". At most 6 integer digits per unit keeps every value
 * far below the int64-nanosecond overflow (about 2.5 million hours), so CEL's
 * duration() can always convert a value that matches.
 */
const DURATION_PART = '[0-9]{1,6}(\\.[0-9]{1,9})?';
export const GO_DURATION = `^(${DURATION_PART}h)?(${DURATION_PART}m)?(${DURATION_PART}s)?(${DURATION_PART}ms)?(${DURATION_PART}(us|µs|μs))?(${DURATION_PART}ns)?$`;
export const GO_DURATION_MAX = 32;

/** A Kubernetes resource quantity (the pattern of k8s.io/apimachinery's Quantity in OpenAPI). */
export const QUANTITY = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
export const QUANTITY_MAX = 64;

/** An HTTP path: starts with "/", printable ASCII, no spaces. */
export const HTTP_PATH = '^/[!-~]*$';
export const HTTP_PATH_MAX = 1024;

/**
 * An image repository as the distribution reference grammar names it: an
 * optional registry host (with port) and lower-case path components.
 */
const HOST_PART = '[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?';
const PATH_PART = '[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*';
export const IMAGE_REPOSITORY = `^(${HOST_PART}(\\.${HOST_PART})*(:[0-9]+)?/)?${PATH_PART}(/${PATH_PART})*$`;
export const IMAGE_REPOSITORY_MAX = 255;

/** An image tag, or a digest `sha256:<64 hex>` (then the image is `repository@digest`). */
export const IMAGE_TAG = '^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|sha256:[0-9a-f]{64})$';
export const IMAGE_TAG_MAX = 128 + 7;

/** A sysctl name, as pod validation accepts it. */
export const SYSCTL_NAME = '^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$';

/**
 * A qualified name, the form of label and annotation keys: an optional DNS
 * subdomain prefix and '/', then a name of at most 63 characters (letters,
 * digits, '-', '_', '.', starting and ending with a letter or digit). The
 * prefix's 253-character bound is a CEL rule (QUALIFIED_NAME_PREFIX_MAX).
 */
export const QUALIFIED_NAME = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
export const QUALIFIED_NAME_PREFIX_MAX = 253;
export const QUALIFIED_NAME_MAX = QUALIFIED_NAME_PREFIX_MAX + 1 + 63;

/** A label value: empty, or at most 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit. */
export const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$';
export const LABEL_VALUE_MAX = 63;

/** An environment variable name, as pod validation has long accepted it (a C identifier, plus '-' and '.'). */
export const ENV_VAR_NAME = '^[-._a-zA-Z][-._a-zA-Z0-9]*$';

/** The resource names a container may request without a domain (pod validation). */
export const STANDARD_CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'] as const;
export const HUGEPAGES_PREFIX = 'hugepages-';

/**
 * A string's length as the API server counts it for maxLength and minLength
 * (OpenAPI validation counts Go runes) and CEL's size(): in characters
 * (Unicode code points), not in the UTF-16 units of `s.length`, which counts
 * an emoji twice. The LIMITS below are in these characters.
 */
export function characterCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Upper bounds that keep every list and string finite (CEL cost estimates need them). */
export const LIMITS = {
  replicas: 100,
  targets: 64,
  metricsFilters: 32,
  metricsFilterLength: 256,
  maxLogLines: 10_000,
  maxContextChars: 1_000_000,
  modelLength: 256,
  resourceEntries: 16,
  resourceNameLength: 253,
  /** Linux user and group ids, as pod validation bounds them. */
  maxId: 2_147_483_647,
  supplementalGroups: 64,
  sysctls: 64,
  shortString: 253,
  longString: 4096,
  /** gMSA credential specs are JSON documents. */
  gmsaCredentialSpec: 65_536,
  /** Entries of label and annotation maps (nodeSelector, podLabels, podAnnotations, service annotations). */
  mapEntries: 64,
  /** Tolerations, topology spread constraints, affinity terms and their requirements. */
  schedulingItems: 32,
  /** Values of one selector requirement. */
  selectorValues: 64,
  /** Annotation maps: 56 entries of at most 4096 characters (plus a 317-character
   * key) stay under the API server's 256 KiB for all annotations of an object. */
  annotationEntries: 56,
  annotationValue: 4096,
  env: 128,
  envValue: 32_768,
  envFrom: 32,
  imagePullSecrets: 16,
  /** ConfigMaps of spec.agents and of spec.skills, each. */
  personaConfigMaps: 16,
  /** spec.server.security: requests per second and burst of the rate limit;
   * message sizes (bytes) and concurrent streams, int32 like every integer of the API. */
  rateLimitRps: 1_000_000,
  rateLimitBurst: 1_000_000,
  grpcLimit: 2_147_483_647,
  /** spec.volumes and spec.volumeMounts, each; keys of one ConfigMap, Secret or projected volume. */
  volumes: 16,
  volumeItems: 64,
} as const;

/** What each pattern means, for error messages a person can act on. */
export const PATTERN_MEANINGS: Record<string, string> = {
  [DNS1123_LABEL]: "a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit",
  [DNS1123_SUBDOMAIN]: "a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
  [DNS1035_LABEL]: "a DNS-1035 label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit",
  [SECRET_KEY]: "a Secret key: letters, digits, '-', '_' and '.'",
  [GO_DURATION]: 'a Go duration such as "30s", "1h30m" or "1.5h" (units h, m, s, ms, us, ns in that order, at most 6 digits each)',
  [QUANTITY]: 'a Kubernetes quantity such as "500m", "128Mi" or "1Gi"',
  [HTTP_PATH]: 'an HTTP path starting with "/" (printable ASCII, no spaces)',
  [IMAGE_REPOSITORY]: 'an image repository such as ghcr.io/diillson/chatcli (optional registry host, lower-case path)',
  [IMAGE_TAG]: 'an image tag (letters, digits, "_", "." and "-", at most 128) or a digest "sha256:<64 hex digits>"',
  [SYSCTL_NAME]: 'a sysctl name such as net.ipv4.ip_local_port_range',
  [QUALIFIED_NAME]: "a qualified name such as example.com/zone or zone: an optional DNS subdomain and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
  [LABEL_VALUE]: "a label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, or empty",
  [ENV_VAR_NAME]: "an environment variable name: letters, digits, '_', '-' and '.', not starting with a digit",
};

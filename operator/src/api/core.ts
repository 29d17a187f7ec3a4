// Structural schemas of the two Kubernetes core types the spec embeds,
// ResourceRequirements and PodSecurityContext (core/v1), field for field, so the
// API server prunes, defaults and validates them like any other field. Beyond
// the core types' OpenAPI, a few CEL rules refuse here what pod validation would
// refuse later: an instance the CRD accepts always yields a Deployment the API
// server accepts, never half of one.
import { Type, type Static } from '@sinclair/typebox';
import { celRule, validations } from './cel.ts';
import { HUGEPAGES_PREFIX, LIMITS, QUANTITY, QUANTITY_MAX, STANDARD_CONTAINER_RESOURCES, SYSCTL_NAME } from './formats.ts';
import { compareQuantities, parseQuantity, ZERO } from './quantity.ts';

// ---------------------------------------------------------------- resources

/** A quantity as Kubernetes accepts it in YAML: an integer or a string such as "500m" or "1Gi". */
export const QuantityValue = Type.Union([Type.Integer(), Type.String({ pattern: QUANTITY, maxLength: QUANTITY_MAX })], {
  'x-kubernetes-int-or-string': true,
  description: 'A Kubernetes quantity: an integer or a string such as "500m", "128Mi" or "1Gi".',
});

type QuantityMap = Record<string, string | number>;

const resourceNames = celRule<QuantityMap>(
  {
    rule: `self.all(k, k in [${STANDARD_CONTAINER_RESOURCES.map((r) => `'${r}'`).join(', ')}] || k.startsWith('${HUGEPAGES_PREFIX}') || k.contains('/'))`,
    message: `resource names are ${STANDARD_CONTAINER_RESOURCES.join(', ')}, ${HUGEPAGES_PREFIX}<size>, or a domain-qualified extended resource such as example.com/gpu`,
  },
  (self) =>
    Object.keys(self).every(
      (k) => (STANDARD_CONTAINER_RESOURCES as readonly string[]).includes(k) || k.startsWith(HUGEPAGES_PREFIX) || k.includes('/'),
    ),
);

const nonNegative = celRule<QuantityMap>(
  {
    rule: "self.all(k, !isQuantity(string(self[k])) || !quantity(string(self[k])).isLessThan(quantity('0')))",
    message: 'quantities must not be negative',
  },
  (self) =>
    Object.values(self).every((v) => {
      const q = parseQuantity(v);
      return q === undefined || compareQuantities(q, ZERO) >= 0;
    }),
);

const quantityMap = (description: string) =>
  Type.Record(Type.String({ maxLength: LIMITS.resourceNameLength }), QuantityValue, {
    description,
    maxProperties: LIMITS.resourceEntries,
    ...validations(resourceNames, nonNegative),
  });

const requestsWithinLimits = celRule<{ requests?: QuantityMap; limits?: QuantityMap }>(
  {
    rule:
      '!has(self.requests) || !has(self.limits) || self.requests.all(k, !(k in self.limits) || ' +
      '!isQuantity(string(self.requests[k])) || !isQuantity(string(self.limits[k])) || ' +
      '!quantity(string(self.requests[k])).isGreaterThan(quantity(string(self.limits[k]))))',
    message: 'a request must not exceed the limit of the same resource',
    fieldPath: '.requests',
  },
  ({ requests, limits }) =>
    !requests ||
    !limits ||
    Object.entries(requests).every(([k, v]) => {
      const request = parseQuantity(v);
      const limit = k in limits ? parseQuantity(limits[k] as string | number) : undefined;
      return request === undefined || limit === undefined || compareQuantities(request, limit) <= 0;
    }),
);

const noClaims = celRule<{ claims?: unknown[] }>(
  {
    rule: '!has(self.claims) || self.claims.size() == 0',
    message: 'claims are not supported: the server pod declares no resourceClaims they could refer to',
    fieldPath: '.claims',
    reason: 'FieldValueForbidden',
  },
  ({ claims }) => !claims || claims.length === 0,
);

export const ResourceClaim = Type.Object(
  {
    name: Type.String({ description: 'Name of one entry of the pod\'s spec.resourceClaims.', minLength: 1, maxLength: LIMITS.shortString }),
    request: Type.Optional(Type.String({ description: 'Name of a request within the claim; the whole claim when empty.', maxLength: LIMITS.shortString })),
  },
  { description: 'A reference to one entry of the pod\'s spec.resourceClaims.' },
);

export const ResourceRequirements = Type.Object(
  {
    limits: Type.Optional(quantityMap('Maximum amount of each compute resource the server container may use.')),
    requests: Type.Optional(quantityMap('Amount of each compute resource the server container is guaranteed; at most its limit.')),
    claims: Type.Optional(
      Type.Array(ResourceClaim, {
        description: 'Dynamic resource claims (core/v1 ResourceRequirements.claims); refused, as the pod declares none.',
        maxItems: 16,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    ),
  },
  {
    description: 'CPU and memory requests and limits of the server container (core/v1 ResourceRequirements).',
    ...validations(requestsWithinLimits, noClaims),
  },
);

// ---------------------------------------------------------- security context

const id = (description: string) => Type.Integer({ description, format: 'int64', minimum: 0, maximum: LIMITS.maxId });
const text = (description: string, maxLength: number = LIMITS.shortString) => Type.String({ description, maxLength });

const localhostProfileOnlyForLocalhost = celRule<{ type: string; localhostProfile?: string }>(
  {
    rule: "self.type == 'Localhost' ? has(self.localhostProfile) && self.localhostProfile.size() > 0 : !has(self.localhostProfile)",
    message: 'localhostProfile is required when type is Localhost, and allowed only then',
    fieldPath: '.localhostProfile',
  },
  ({ type, localhostProfile }) => (type === 'Localhost' ? !!localhostProfile : localhostProfile === undefined),
);

const profileTypes = (what: string) =>
  Type.Union([Type.Literal('Localhost'), Type.Literal('RuntimeDefault'), Type.Literal('Unconfined')], {
    description: `Kind of ${what} profile: Localhost (a profile file on the node, named by localhostProfile), RuntimeDefault (the container runtime's default) or Unconfined.`,
  });

export const SeccompProfile = Type.Object(
  {
    type: profileTypes('seccomp'),
    localhostProfile: Type.Optional(text('Profile file, relative to the kubelet\'s seccomp profile directory; only with type Localhost.')),
  },
  { description: 'The seccomp profile of the pod\'s containers.', ...validations(localhostProfileOnlyForLocalhost) },
);

export const AppArmorProfile = Type.Object(
  {
    type: profileTypes('AppArmor'),
    localhostProfile: Type.Optional(text('Name of a profile loaded on the node; only with type Localhost.')),
  },
  { description: 'The AppArmor profile of the pod\'s containers.', ...validations(localhostProfileOnlyForLocalhost) },
);

export const SELinuxOptions = Type.Object(
  {
    level: Type.Optional(text('SELinux level label.')),
    role: Type.Optional(text('SELinux role label.')),
    type: Type.Optional(text('SELinux type label.')),
    user: Type.Optional(text('SELinux user label.')),
  },
  { description: 'SELinux context applied to every container; the runtime allocates a random one when unset.' },
);

const noHostProcess = celRule<{ hostProcess?: boolean }>(
  {
    rule: '!has(self.hostProcess) || !self.hostProcess',
    message: 'hostProcess needs hostNetwork, which the ChatCLI server pod does not use',
    fieldPath: '.hostProcess',
    reason: 'FieldValueForbidden',
  },
  ({ hostProcess }) => hostProcess !== true,
);

export const WindowsSecurityContextOptions = Type.Object(
  {
    gmsaCredentialSpec: Type.Optional(text('Contents of the GMSA credential spec named by gmsaCredentialSpecName.', LIMITS.gmsaCredentialSpec)),
    gmsaCredentialSpecName: Type.Optional(text('Name of the GMSA credential spec to use.')),
    hostProcess: Type.Optional(Type.Boolean({ description: 'Run as a Windows HostProcess container; refused (it needs hostNetwork).' })),
    runAsUserName: Type.Optional(text('Windows user name to run the entrypoint of the containers as.')),
  },
  { description: 'Windows-specific settings; ignored on Linux nodes.', ...validations(noHostProcess) },
);

export const Sysctl = Type.Object(
  {
    name: Type.String({ description: 'Name of the namespaced sysctl to set.', pattern: SYSCTL_NAME, maxLength: LIMITS.shortString }),
    value: Type.String({ description: 'Value to set.', maxLength: LIMITS.longString }),
  },
  { description: 'A kernel parameter set for the pod.' },
);

export const PodSecurityContext = Type.Object(
  {
    appArmorProfile: Type.Optional(AppArmorProfile),
    fsGroup: Type.Optional(id('Supplementary group of every container; volumes that support it (such as the sessions claim) are made writable by it.')),
    fsGroupChangePolicy: Type.Optional(
      Type.Union([Type.Literal('OnRootMismatch'), Type.Literal('Always')], {
        description: 'When to change ownership and permission of a volume to fsGroup: OnRootMismatch or Always (the default).',
      }),
    ),
    runAsGroup: Type.Optional(id('Primary group id of the containers\' processes; the image\'s when unset.')),
    runAsNonRoot: Type.Optional(Type.Boolean({ description: 'Refuse to start a container whose user is root (uid 0).' })),
    runAsUser: Type.Optional(id('User id of the containers\' processes; the image\'s when unset.')),
    seLinuxChangePolicy: Type.Optional(
      Type.Union([Type.Literal('MountOption'), Type.Literal('Recursive')], {
        description: 'How the SELinux label is applied to volumes: MountOption (a mount option, when supported) or Recursive (relabel every file).',
      }),
    ),
    seLinuxOptions: Type.Optional(SELinuxOptions),
    seccompProfile: Type.Optional(SeccompProfile),
    supplementalGroups: Type.Optional(
      Type.Array(id('A group id.'), {
        description: 'Groups added to the first process of each container, besides its primary group and fsGroup.',
        maxItems: LIMITS.supplementalGroups,
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
    supplementalGroupsPolicy: Type.Optional(
      Type.Union([Type.Literal('Merge'), Type.Literal('Strict')], {
        description: 'How supplemental groups are computed: Merge (with the groups of the image\'s /etc/group, the default) or Strict (only those listed).',
      }),
    ),
    sysctls: Type.Optional(
      Type.Array(Sysctl, {
        description: 'Namespaced sysctls set for the pod.',
        maxItems: LIMITS.sysctls,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    ),
    windowsOptions: Type.Optional(WindowsSecurityContextOptions),
  },
  { description: 'Pod security context (core/v1 PodSecurityContext). Fields left out are filled so the pod stays restricted-profile clean.' },
);

export type ResourceRequirements = Static<typeof ResourceRequirements>;
export type PodSecurityContext = Static<typeof PodSecurityContext>;

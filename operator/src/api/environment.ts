// Extra environment of the server container: structural schemas of core/v1
// EnvVar (a value or a valueFrom) and EnvFromSource, with CEL rules for what
// pod validation would refuse later. Which names the operator keeps for itself
// is the spec's rule (chatcliinstance.ts), not this file's.
import { Type, type Static } from '@sinclair/typebox';
import { celRule, validations } from './cel.ts';
import { QuantityValue } from './core.ts';
import { DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN_MAX, ENV_VAR_NAME, LIMITS, SECRET_KEY, SECRET_KEY_MAX } from './formats.ts';

const objectName = (description: string) => Type.String({ description, pattern: DNS1123_SUBDOMAIN, maxLength: DNS1123_SUBDOMAIN_MAX });

/** An environment variable name; the bound keeps CEL's cost estimate finite. */
export const envVarName = (description: string) => Type.String({ description, pattern: ENV_VAR_NAME, minLength: 1, maxLength: LIMITS.shortString });

const keyRef = (what: string) =>
  Type.Object(
    {
      name: objectName(`Name of a ${what} in the instance's namespace.`),
      key: Type.String({ description: `Key within the ${what}.`, pattern: SECRET_KEY, maxLength: SECRET_KEY_MAX }),
      optional: Type.Optional(Type.Boolean({ description: `Start the pod even when the ${what} or its key is missing (the variable is then unset).` })),
    },
    { description: `A key of a ${what}.` },
  );

/** The pod fields the downward API exposes as an environment variable (pod validation's list). */
const FIELD_PATH = "^(metadata\\.(name|namespace|uid)|metadata\\.(labels|annotations)\\['[^']+'\\]|spec\\.(nodeName|serviceAccountName)|status\\.(hostIP|hostIPs|podIP|podIPs))$";
/** The container resources the downward API exposes. */
const RESOURCE_FIELD = '^(limits|requests)\\.(cpu|memory|ephemeral-storage|hugepages-[-a-zA-Z0-9.]+)$';

const oneSource = celRule<Record<string, unknown>>(
  {
    rule: "[has(self.fieldRef), has(self.resourceFieldRef), has(self.configMapKeyRef), has(self.secretKeyRef)].filter(x, x).size() == 1",
    message: 'exactly one of fieldRef, resourceFieldRef, configMapKeyRef or secretKeyRef',
  },
  (s) => ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) => s[k] !== undefined).length === 1,
);

export const EnvVarSource = Type.Object(
  {
    fieldRef: Type.Optional(
      Type.Object(
        {
          apiVersion: Type.Optional(Type.String({ description: 'Version of the schema fieldPath is written in; "v1".', maxLength: LIMITS.shortString })),
          fieldPath: Type.String({
            description: "A pod field: metadata.name, metadata.namespace, metadata.uid, metadata.labels['<key>'], metadata.annotations['<key>'], spec.nodeName, spec.serviceAccountName, status.hostIP(s) or status.podIP(s).",
            pattern: FIELD_PATH,
            maxLength: LIMITS.longString,
          }),
        },
        { description: 'A field of the pod (downward API).' },
      ),
    ),
    resourceFieldRef: Type.Optional(
      Type.Object(
        {
          resource: Type.String({ description: 'limits.cpu, limits.memory, limits.ephemeral-storage, requests.cpu, requests.memory, requests.ephemeral-storage or hugepages.', pattern: RESOURCE_FIELD, maxLength: LIMITS.shortString }),
          divisor: Type.Optional(QuantityValue),
        },
        { description: 'A resource request or limit of the server container (downward API).' },
      ),
    ),
    configMapKeyRef: Type.Optional(keyRef('ConfigMap')),
    secretKeyRef: Type.Optional(keyRef('Secret')),
  },
  { description: 'Where the value comes from: exactly one source.', ...validations(oneSource) },
);

const valueOrValueFrom = celRule<{ value?: string; valueFrom?: unknown }>(
  {
    rule: "!has(self.valueFrom) || !has(self.value) || self.value == ''",
    message: 'value and valueFrom may not both be set',
    fieldPath: '.valueFrom',
    reason: 'FieldValueForbidden',
  },
  (v) => v.valueFrom === undefined || !v.value,
);

/** EnvVar; `nameRules` are the spec's rules on the name. */
export const envVar = (...nameRules: ReturnType<typeof celRule>[]) =>
  Type.Object(
    {
      name: envVarName('Name of the variable.'),
      value: Type.Optional(Type.String({ description: 'The value; $(OTHER) expands another variable of the container.', maxLength: LIMITS.envValue })),
      valueFrom: Type.Optional(EnvVarSource),
    },
    { description: 'An environment variable of the server container (core/v1 EnvVar): a value or a valueFrom.', ...validations(valueOrValueFrom, ...nameRules) },
  );

const oneSourceRef = celRule<{ configMapRef?: unknown; secretRef?: unknown }>(
  {
    rule: 'has(self.configMapRef) != has(self.secretRef)',
    message: 'exactly one of configMapRef or secretRef',
  },
  (s) => (s.configMapRef !== undefined) !== (s.secretRef !== undefined),
);

const sourceRef = (what: string) =>
  Type.Object(
    {
      name: objectName(`Name of a ${what} in the instance's namespace.`),
      optional: Type.Optional(Type.Boolean({ description: `Start the pod even when the ${what} is missing.` })),
    },
    { description: `A ${what} whose every key becomes a variable.` },
  );

export const EnvFromSource = Type.Object(
  {
    prefix: Type.Optional(
      Type.String({ description: 'Prefix put before every key of the source.', pattern: ENV_VAR_NAME, maxLength: LIMITS.shortString }),
    ),
    configMapRef: Type.Optional(sourceRef('ConfigMap')),
    secretRef: Type.Optional(sourceRef('Secret')),
  },
  { description: 'Variables from every key of a ConfigMap or a Secret (core/v1 EnvFromSource).', ...validations(oneSourceRef) },
);

export type EnvVarSource = Static<typeof EnvVarSource>;
export type EnvFromSource = Static<typeof EnvFromSource>;

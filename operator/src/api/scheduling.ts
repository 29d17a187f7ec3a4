// Where the server's pods may run: structural schemas of the core/v1 types
// Toleration, Affinity and TopologySpreadConstraint (and the LabelSelector and
// NodeSelectorTerm inside them), field for field, with CEL rules for what pod
// validation would refuse later, so an accepted instance never yields a
// Deployment the API server refuses.
import { Type, type Static } from '@sinclair/typebox';
import { celRule, validations } from './cel.ts';
import { DNS1123_LABEL, DNS1123_LABEL_MAX, LIMITS } from './formats.ts';
import { labelMap, labelValue, qualifiedName } from './labels.ts';

const literals = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), { description });

// ------------------------------------------------------------ label selector

type Requirement = { operator: string; values?: string[] };
const valueCount = (r: Requirement) => r.values?.length ?? 0;

const setOperatorsNeedValues = celRule<Requirement>(
  {
    rule: "!(self.operator in ['In', 'NotIn']) || (has(self.values) && self.values.size() > 0)",
    message: 'values must be non-empty when operator is In or NotIn',
    fieldPath: '.values',
    reason: 'FieldValueRequired',
  },
  (r) => !['In', 'NotIn'].includes(r.operator) || valueCount(r) > 0,
);
const existenceOperatorsTakeNoValues = celRule<Requirement>(
  {
    rule: "!(self.operator in ['Exists', 'DoesNotExist']) || !has(self.values) || self.values.size() == 0",
    message: 'values must be empty when operator is Exists or DoesNotExist',
    fieldPath: '.values',
    reason: 'FieldValueForbidden',
  },
  (r) => !['Exists', 'DoesNotExist'].includes(r.operator) || valueCount(r) === 0,
);

export const LabelSelectorRequirement = Type.Object(
  {
    key: qualifiedName('The label key the requirement applies to.'),
    operator: literals(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const, 'In, NotIn, Exists or DoesNotExist.'),
    values: Type.Optional(
      Type.Array(labelValue('A label value.'), {
        description: 'Label values: non-empty with In and NotIn, empty with Exists and DoesNotExist.',
        maxItems: LIMITS.selectorValues,
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
  },
  { description: 'A label selector requirement: a key, an operator and values.', ...validations(setOperatorsNeedValues, existenceOperatorsTakeNoValues) },
);

export const LabelSelector = Type.Object(
  {
    matchLabels: Type.Optional(labelMap('Labels a pod must carry, each with this value.')),
    matchExpressions: Type.Optional(
      Type.Array(LabelSelectorRequirement, { description: 'Requirements a pod\'s labels must meet, all of them.', maxItems: LIMITS.schedulingItems, 'x-kubernetes-list-type': 'atomic' }),
    ),
  },
  { description: 'A label selector (metav1.LabelSelector); an empty one matches every pod.' },
);

// ------------------------------------------------------------- tolerations

type TolerationShape = { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number };

const emptyKeyNeedsExists = celRule<TolerationShape>(
  {
    rule: "has(self.key) || (has(self.operator) && self.operator == 'Exists')",
    message: 'operator must be Exists when key is empty (which tolerates every taint)',
    fieldPath: '.operator',
  },
  (t) => t.key !== undefined || t.operator === 'Exists',
);
const existsTakesNoValue = celRule<TolerationShape>(
  {
    rule: "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''",
    message: 'value must be empty when operator is Exists',
    fieldPath: '.value',
    reason: 'FieldValueForbidden',
  },
  (t) => t.operator !== 'Exists' || !t.value,
);
const secondsOnlyForNoExecute = celRule<TolerationShape>(
  {
    rule: "!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')",
    message: 'tolerationSeconds needs effect NoExecute: only a NoExecute taint evicts',
    fieldPath: '.tolerationSeconds',
    reason: 'FieldValueForbidden',
  },
  (t) => t.tolerationSeconds === undefined || t.effect === 'NoExecute',
);

export const Toleration = Type.Object(
  {
    key: Type.Optional(qualifiedName('Taint key tolerated; leave it out (with operator Exists) to tolerate every taint.')),
    operator: Type.Optional(literals(['Exists', 'Equal'] as const, 'Equal (the default): the taint\'s value must equal value; Exists: any value.')),
    value: Type.Optional(labelValue('Taint value tolerated, with operator Equal.')),
    effect: Type.Optional(literals(['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const, 'Taint effect tolerated: NoSchedule, PreferNoSchedule or NoExecute; every effect when left out.')),
    tolerationSeconds: Type.Optional(
      Type.Integer({ description: 'With effect NoExecute: how long the pod stays bound after the taint appears; forever when left out.', format: 'int64' }),
    ),
  },
  { description: 'A toleration (core/v1 Toleration).', ...validations(emptyKeyNeedsExists, existsTakesNoValue, secondsOnlyForNoExecute) },
);

// -------------------------------------------------------- node affinity

type NodeRequirement = Requirement & { key: string };

const comparisonTakesOneInteger = celRule<NodeRequirement>(
  {
    rule: "!(self.operator in ['Gt', 'Lt']) || (has(self.values) && self.values.size() == 1 && self.values[0].matches('^-?[0-9]{1,18}$'))",
    message: 'operator Gt or Lt takes exactly one value, an integer',
    fieldPath: '.values',
  },
  (r) => !['Gt', 'Lt'].includes(r.operator) || (r.values?.length === 1 && /^-?[0-9]{1,18}$/.test(r.values[0] ?? '')),
);
const fieldIsMetadataName = celRule<NodeRequirement>(
  { rule: "self.key == 'metadata.name'", message: 'matchFields supports only the key metadata.name', fieldPath: '.key', reason: 'FieldValueForbidden' },
  (r) => r.key === 'metadata.name',
);
const fieldTakesOneValue = celRule<NodeRequirement>(
  {
    rule: "self.operator in ['In', 'NotIn'] && has(self.values) && self.values.size() == 1",
    message: 'matchFields takes operator In or NotIn with exactly one value (a node name)',
    fieldPath: '.values',
  },
  (r) => ['In', 'NotIn'].includes(r.operator) && r.values?.length === 1,
);

const nodeRequirement = (description: string, ...rules: ReturnType<typeof celRule>[]) =>
  Type.Object(
    {
      key: qualifiedName('The node label key (or, in matchFields, the field) the requirement applies to.'),
      operator: literals(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const, 'In, NotIn, Exists, DoesNotExist, Gt or Lt.'),
      values: Type.Optional(
        Type.Array(Type.String({ description: 'A value.', maxLength: LIMITS.shortString }), {
          description: 'Values: non-empty with In and NotIn, none with Exists and DoesNotExist, one integer with Gt and Lt.',
          maxItems: LIMITS.selectorValues,
          'x-kubernetes-list-type': 'atomic',
        }),
      ),
    },
    { description, ...validations(setOperatorsNeedValues, existenceOperatorsTakeNoValues, comparisonTakesOneInteger, ...rules) },
  );

export const NodeSelectorTerm = Type.Object(
  {
    matchExpressions: Type.Optional(
      Type.Array(nodeRequirement('A requirement on the node\'s labels.'), { description: 'Requirements on the node\'s labels, all of them.', maxItems: LIMITS.schedulingItems, 'x-kubernetes-list-type': 'atomic' }),
    ),
    matchFields: Type.Optional(
      Type.Array(nodeRequirement('A requirement on the node\'s fields.', fieldIsMetadataName, fieldTakesOneValue), {
        description: 'Requirements on the node\'s fields (only metadata.name), all of them.',
        maxItems: LIMITS.schedulingItems,
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
  },
  { description: 'Nodes matching all of its requirements; a term with none matches no node.' },
);

const weight = () => Type.Integer({ description: 'Weight, 1-100, added to a node\'s score when the term matches.', minimum: 1, maximum: 100, format: 'int32' });

export const NodeAffinity = Type.Object(
  {
    requiredDuringSchedulingIgnoredDuringExecution: Type.Optional(
      Type.Object(
        {
          nodeSelectorTerms: Type.Array(NodeSelectorTerm, {
            description: 'Terms, any of which a node must match.',
            minItems: 1,
            maxItems: LIMITS.schedulingItems,
            'x-kubernetes-list-type': 'atomic',
          }),
        },
        { description: 'Nodes the pods may run on: those matching any of the terms.' },
      ),
    ),
    preferredDuringSchedulingIgnoredDuringExecution: Type.Optional(
      Type.Array(Type.Object({ weight: weight(), preference: NodeSelectorTerm }, { description: 'A preferred node term and its weight.' }), {
        description: 'Nodes the scheduler prefers, by weight.',
        maxItems: LIMITS.schedulingItems,
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
  },
  { description: 'Node affinity (core/v1 NodeAffinity).' },
);

// ------------------------------------------------------ pod (anti-)affinity

type AffinityTermShape = { labelSelector?: object; matchLabelKeys?: string[]; mismatchLabelKeys?: string[] };

const labelKeysNeedSelector = celRule<AffinityTermShape>(
  {
    rule: '((!has(self.matchLabelKeys) || self.matchLabelKeys.size() == 0) && (!has(self.mismatchLabelKeys) || self.mismatchLabelKeys.size() == 0)) || has(self.labelSelector)',
    message: 'matchLabelKeys and mismatchLabelKeys need a labelSelector',
    fieldPath: '.labelSelector',
    reason: 'FieldValueRequired',
  },
  (t) => ((t.matchLabelKeys?.length ?? 0) === 0 && (t.mismatchLabelKeys?.length ?? 0) === 0) || t.labelSelector !== undefined,
);
const labelKeysDisjoint = celRule<AffinityTermShape>(
  {
    rule: '!has(self.matchLabelKeys) || !has(self.mismatchLabelKeys) || !self.matchLabelKeys.exists(k, k in self.mismatchLabelKeys)',
    message: 'a key may not be in both matchLabelKeys and mismatchLabelKeys',
    fieldPath: '.mismatchLabelKeys',
  },
  (t) => !t.matchLabelKeys || !t.mismatchLabelKeys || !t.matchLabelKeys.some((k) => t.mismatchLabelKeys?.includes(k)),
);

const labelKeys = (description: string) =>
  Type.Optional(Type.Array(qualifiedName('A label key.'), { description, maxItems: LIMITS.schedulingItems, 'x-kubernetes-list-type': 'set' }));

export const PodAffinityTerm = Type.Object(
  {
    labelSelector: Type.Optional(LabelSelector),
    namespaceSelector: Type.Optional(LabelSelector),
    namespaces: Type.Optional(
      Type.Array(Type.String({ description: 'A namespace name.', pattern: DNS1123_LABEL, maxLength: DNS1123_LABEL_MAX }), {
        description: 'Namespaces of the pods the selector matches; the instance\'s own namespace when this and namespaceSelector are left out.',
        maxItems: LIMITS.schedulingItems,
        'x-kubernetes-list-type': 'atomic',
      }),
    ),
    topologyKey: qualifiedName('Node label whose value defines a domain (e.g. kubernetes.io/hostname, topology.kubernetes.io/zone).'),
    matchLabelKeys: labelKeys('Label keys whose values, taken from the incoming pod, are added to labelSelector as In requirements.'),
    mismatchLabelKeys: labelKeys('Label keys whose values, taken from the incoming pod, are added to labelSelector as NotIn requirements.'),
  },
  { description: 'Pods (by label) in a topology domain (core/v1 PodAffinityTerm).', ...validations(labelKeysNeedSelector, labelKeysDisjoint) },
);

const podAffinity = (description: string) =>
  Type.Object(
    {
      requiredDuringSchedulingIgnoredDuringExecution: Type.Optional(
        Type.Array(PodAffinityTerm, { description: 'Terms every one of which must hold.', maxItems: LIMITS.schedulingItems, 'x-kubernetes-list-type': 'atomic' }),
      ),
      preferredDuringSchedulingIgnoredDuringExecution: Type.Optional(
        Type.Array(Type.Object({ weight: weight(), podAffinityTerm: PodAffinityTerm }, { description: 'A preferred term and its weight.' }), {
          description: 'Terms the scheduler prefers, by weight.',
          maxItems: LIMITS.schedulingItems,
          'x-kubernetes-list-type': 'atomic',
        }),
      ),
    },
    { description },
  );

export const Affinity = Type.Object(
  {
    nodeAffinity: Type.Optional(NodeAffinity),
    podAffinity: Type.Optional(podAffinity('Run near pods matching the terms (core/v1 PodAffinity).')),
    podAntiAffinity: Type.Optional(podAffinity('Run away from pods matching the terms (core/v1 PodAntiAffinity).')),
  },
  { description: 'Node affinity, pod affinity and pod anti-affinity of the server pods (core/v1 Affinity).' },
);

// ------------------------------------------------- topology spread constraints

type SpreadShape = { whenUnsatisfiable: string; minDomains?: number; labelSelector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string }[] }; matchLabelKeys?: string[] };

const minDomainsOnlyWithDoNotSchedule = celRule<SpreadShape>(
  {
    rule: "!has(self.minDomains) || self.whenUnsatisfiable == 'DoNotSchedule'",
    message: 'minDomains needs whenUnsatisfiable DoNotSchedule',
    fieldPath: '.minDomains',
    reason: 'FieldValueForbidden',
  },
  (c) => c.minDomains === undefined || c.whenUnsatisfiable === 'DoNotSchedule',
);
const matchLabelKeysNotInSelector = celRule<SpreadShape>(
  {
    rule:
      '!has(self.matchLabelKeys) || !has(self.labelSelector) || !self.matchLabelKeys.exists(k, ' +
      '(has(self.labelSelector.matchLabels) && k in self.labelSelector.matchLabels) || ' +
      '(has(self.labelSelector.matchExpressions) && self.labelSelector.matchExpressions.exists(e, e.key == k)))',
    message: 'a key in matchLabelKeys may not also be in labelSelector',
    fieldPath: '.matchLabelKeys',
  },
  (c) =>
    !c.matchLabelKeys ||
    !c.labelSelector ||
    !c.matchLabelKeys.some((k) => (c.labelSelector?.matchLabels !== undefined && k in c.labelSelector.matchLabels) || (c.labelSelector?.matchExpressions ?? []).some((e) => e.key === k)),
);

const nodePolicy = (what: string) =>
  Type.Optional(literals(['Honor', 'Ignore'] as const, `Whether ${what} count when computing the skew: Honor (only matching nodes) or Ignore (all nodes).`));

export const TopologySpreadConstraint = Type.Object(
  {
    maxSkew: Type.Integer({ description: 'Largest allowed difference between the number of matching pods in two domains (at least 1).', minimum: 1, format: 'int32' }),
    topologyKey: qualifiedName('Node label whose value defines a domain, e.g. topology.kubernetes.io/zone.'),
    whenUnsatisfiable: literals(['DoNotSchedule', 'ScheduleAnyway'] as const, 'What the scheduler does when the constraint cannot be met: DoNotSchedule or ScheduleAnyway.'),
    labelSelector: Type.Optional(
      Type.Object(LabelSelector.properties, {
        description: 'The pods counted; the instance\'s own server pods (its selector labels) when left out.',
      }),
    ),
    minDomains: Type.Optional(Type.Integer({ description: 'Minimum number of eligible domains (with DoNotSchedule only).', minimum: 1, format: 'int32' })),
    nodeAffinityPolicy: nodePolicy('the pod\'s nodeAffinity and nodeSelector'),
    nodeTaintsPolicy: nodePolicy('node taints'),
    matchLabelKeys: labelKeys('Label keys whose values, taken from the incoming pod, narrow the pods counted (e.g. pod-template-hash); not keys of labelSelector.'),
  },
  { description: 'A topology spread constraint (core/v1 TopologySpreadConstraint).', ...validations(minDomainsOnlyWithDoNotSchedule, matchLabelKeysNotInSelector) },
);

export type Toleration = Static<typeof Toleration>;
export type Affinity = Static<typeof Affinity>;
export type TopologySpreadConstraint = Static<typeof TopologySpreadConstraint>;
export type LabelSelector = Static<typeof LabelSelector>;

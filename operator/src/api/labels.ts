// Label and annotation keys and values as Kubernetes validates them (the
// apimachinery's IsQualifiedName and IsValidLabelValue), for the spec fields
// that end up as labels, annotations, selectors and topology keys. A map's keys
// cannot carry a pattern in a structural schema, so a CEL rule checks them.
import { Type } from '@sinclair/typebox';
import { celRule, validations } from './cel.ts';
import { LABEL_VALUE, LABEL_VALUE_MAX, LIMITS, QUALIFIED_NAME, QUALIFIED_NAME_MAX, QUALIFIED_NAME_PREFIX_MAX } from './formats.ts';

const qualifiedNameRe = new RegExp(QUALIFIED_NAME);
const isQualifiedName = (k: string) => qualifiedNameRe.test(k) && k.indexOf('/') <= QUALIFIED_NAME_PREFIX_MAX;
const celQualifiedName = (k: string) => `${k}.matches('${QUALIFIED_NAME.replaceAll('\\', '\\\\')}') && ${k}.indexOf('/') <= ${QUALIFIED_NAME_PREFIX_MAX}`;

const prefixFits = celRule<string>(
  { rule: `self.indexOf('/') <= ${QUALIFIED_NAME_PREFIX_MAX}`, message: `the prefix before '/' must be at most ${QUALIFIED_NAME_PREFIX_MAX} characters` },
  (self) => self.indexOf('/') <= QUALIFIED_NAME_PREFIX_MAX,
);

/** A label key, toleration key or topology key: a qualified name. */
export const qualifiedName = (description: string) =>
  Type.String({ description, pattern: QUALIFIED_NAME, maxLength: QUALIFIED_NAME_MAX, ...validations(prefixFits) });

export const labelValue = (description: string) => Type.String({ description, pattern: LABEL_VALUE, maxLength: LABEL_VALUE_MAX });

const keysAreQualifiedNames = celRule<Record<string, string>>(
  {
    rule: `self.all(k, ${celQualifiedName('k')})`,
    message: "every key must be a qualified name such as example.com/zone or zone: an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
  },
  (self) => Object.keys(self).every(isQualifiedName),
);

/** A map of labels (keys qualified names, values label values); `rules` add to the key check. */
export const labelMap = (description: string, ...rules: ReturnType<typeof celRule>[]) =>
  Type.Record(Type.String(), labelValue('A label value.'), {
    description,
    maxProperties: LIMITS.mapEntries,
    ...validations(keysAreQualifiedNames, ...rules),
  });

/** A map of annotations (keys qualified names, values any text). */
export const annotationMap = (description: string, ...rules: ReturnType<typeof celRule>[]) =>
  Type.Record(Type.String(), Type.String({ description: 'An annotation value.', maxLength: LIMITS.annotationValue }), {
    description,
    maxProperties: LIMITS.annotationEntries,
    ...validations(keysAreQualifiedNames, ...rules),
  });

/** A rule refusing keys the operator sets itself: `exact` keys and any key under `prefix`. */
export function reservedKeys(exact: readonly string[], prefix: string, message: string) {
  const list = exact.map((k) => `'${k}'`).join(', ');
  return celRule<Record<string, string>>(
    { rule: `!self.exists(k, k in [${list}] || k.startsWith('${prefix}'))`, message, reason: 'FieldValueForbidden' },
    (self) => !Object.keys(self).some((k) => exact.includes(k) || k.startsWith(prefix)),
  );
}

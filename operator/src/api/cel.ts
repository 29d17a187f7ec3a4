// CEL validation rules (`x-kubernetes-validations`) of the CRD, each paired with
// its TypeScript twin. The API server evaluates the CEL; `render` runs without a
// cluster and evaluates the twin (validate.ts). Declaring both in one call keeps
// them side by side, and validate.ts refuses a schema whose rule has no twin.

/** The `reason` values the API server accepts for a rule. */
export type CelReason = 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';

/** One entry of `x-kubernetes-validations`, as the CRD carries it. */
export interface CelRule {
  rule: string;
  message: string;
  /** Path of the field the error names, relative to the schema node carrying the rule (`.a.b`). */
  fieldPath?: string;
  reason?: CelReason;
}

/**
 * The TypeScript meaning of a rule: true when `self` is valid. It only ever sees
 * a value that already passed the schema (types, formats, bounds), as the rule's
 * own guards assume.
 */
export type CelTwin = (self: never) => boolean;

const twins = new Map<string, CelTwin>();

/** Declares a CEL rule and its TypeScript twin; returns the rule for the schema. */
export function celRule<Self>(rule: CelRule, twin: (self: Self) => boolean): CelRule {
  const known = twins.get(rule.rule);
  if (known !== undefined && known !== twin) {
    throw new Error(`CEL rule declared twice with different twins (declare it once and reuse it): ${rule.rule}`);
  }
  twins.set(rule.rule, twin as CelTwin);
  return rule;
}

/** The twin of a rule, or undefined when the rule was not declared through celRule(). */
export function twinOf(rule: string): ((self: unknown) => boolean) | undefined {
  return twins.get(rule) as ((self: unknown) => boolean) | undefined;
}

/** The `x-kubernetes-validations` option of a TypeBox schema. */
export function validations(...rules: CelRule[]): { 'x-kubernetes-validations': CelRule[] } {
  return { 'x-kubernetes-validations': rules };
}

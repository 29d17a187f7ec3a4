// Validation without a cluster, for `render`: the same verdicts the API server
// gives an instance, each naming the field in the API server's own notation
// (`spec.watcher.targets[1].metricsPath`; map entries too are joined with a
// dot, `spec.resources.limits.cpu`, as the server's schema errors print them).
// 1. shape: apiVersion, kind, metadata.name, and no field the schema lacks
//    (kubectl's strict field validation refuses those);
// 2. the schema, by TypeBox, on the defaulted object (as the server validates
//    after defaulting), string lengths counted in characters (Unicode code
//    points, as the server's OpenAPI validation counts Go runes), not in the
//    UTF-16 units of a JavaScript string's length;
// 3. uniqueness of `x-kubernetes-list-type: map` keys;
// 4. every CEL rule, by its TypeScript twin (cel.ts), but only once 1-3 found
//    nothing: the API server skips its rules on an object the schema refused
//    (and says so), which also lets a twin rely on the schema.
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { twinOf } from './cel.ts';
import { API_VERSION, ChatCLIInstanceSchema, KIND } from './chatcliinstance.ts';
import { applyDefaults, instanceSchema, prune } from './defaults.ts';
import { characterCount, PATTERN_MEANINGS } from './formats.ts';
import type { StructuralSchema } from './structural.ts';

export interface ValidationError {
  /** The offending field, e.g. `spec.watcher.targets[1].metricsPath`; '' for the whole object. */
  path: string;
  message: string;
}

// RFC 3339, the format of metav1.Time (status conditions).
FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v));

/** Every reason the API server would refuse this object; empty when it would accept it. */
export function validateInstance(obj: unknown): ValidationError[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return [{ path: '', message: `must be a ${KIND} object` }];
  const schema = instanceSchema();
  const defaulted = structuredClone(obj);
  prune(defaulted, schema);
  applyDefaults(defaulted, schema);
  const schemaErrors = [
    ...unknownFields(obj, schema, '', true),
    ...firstPerPath([
      ...[...Value.Errors(ChatCLIInstanceSchema, defaulted)].filter(serverWouldGive).map((e) => schemaError(e, schema)),
      ...shortStrings(defaulted, schema, ''),
    ]),
    ...duplicateKeys(defaulted, schema, ''),
  ];
  const ruleErrors = schemaErrors.length === 0 ? celErrors(defaulted, schema, '') : [{ path: '', message: RULES_NOT_CHECKED }];
  return unique([...identityErrors(obj as Record<string, unknown>), ...schemaErrors, ...ruleErrors]);
}

/** The API server's words when its schema refused an object before the CEL rules ran. */
export const RULES_NOT_CHECKED = 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

function identityErrors(obj: Record<string, unknown>): ValidationError[] {
  const errors: ValidationError[] = [];
  if (obj.apiVersion !== API_VERSION) errors.push({ path: 'apiVersion', message: `must be "${API_VERSION}"` });
  if (obj.kind !== KIND) errors.push({ path: 'kind', message: `must be "${KIND}"` });
  const metadata = obj.metadata as Record<string, unknown> | undefined;
  if (typeof metadata?.name !== 'string' || metadata.name === '') errors.push({ path: 'metadata.name', message: 'Required value' });
  if (metadata?.namespace !== undefined && typeof metadata.namespace !== 'string') {
    errors.push({ path: 'metadata.namespace', message: 'must be a string' });
  }
  return errors;
}

// ------------------------------------------------------------------ paths

const join = (base: string, field: string) => (base === '' ? field : `${base}.${field}`);

/** The API server's notation for a JSON pointer into an instance. */
function fieldPath(pointer: string, schema: StructuralSchema): string {
  const segments = pointer.split('/').slice(1).map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  let path = '';
  let node: StructuralSchema | undefined = schema;
  for (const segment of segments) {
    if (node?.type === 'array') {
      path += `[${segment}]`;
      node = node.items;
    } else if (node?.properties?.[segment]) {
      path = join(path, segment);
      node = node.properties[segment];
    } else if (node?.additionalProperties) {
      path = join(path, segment);
      node = node.additionalProperties;
    } else {
      path = join(path, segment);
      node = undefined;
    }
  }
  return path;
}

// ------------------------------------------------------- 1. unknown fields

function unknownFields(value: unknown, schema: StructuralSchema, path: string, isRoot = false): ValidationError[] {
  if (Array.isArray(value)) return schema.items ? value.flatMap((item, i) => unknownFields(item, schema.items!, `${path}[${i}]`)) : [];
  if (value === null || typeof value !== 'object' || schema.type !== 'object') return [];
  return Object.entries(value).flatMap(([name, child]) => {
    if (isRoot && name === 'metadata') return []; // ObjectMeta: the API server's own
    const known = schema.properties?.[name];
    if (known) return unknownFields(child, known, join(path, name));
    if (schema.additionalProperties) return unknownFields(child, schema.additionalProperties, join(path, name));
    return [{ path: join(path, name), message: 'unknown field: not declared in the schema' }];
  });
}

// --------------------------------------------------------------- 2. schema

const show = (value: unknown) => (value === undefined ? 'undefined' : JSON.stringify(value));

function schemaError(error: ValueError, root: StructuralSchema): ValidationError {
  return { path: fieldPath(error.path, root), message: schemaMessage(error) };
}

function schemaMessage({ type, schema, value, message }: ValueError): string {
  if (value === undefined) return 'Required value';
  const s = schema as TSchema;
  switch (type) {
    case ValueErrorType.Union: {
      const members = (s.anyOf ?? []) as TSchema[];
      if (members.length > 0 && members.every((m) => 'const' in m)) {
        return `Unsupported value: ${show(value)}: supported values: ${members.map((m) => show(m.const)).join(', ')}`;
      }
      if (s['x-kubernetes-int-or-string']) return `Invalid value: ${show(value)}: must be an integer or ${PATTERN_MEANINGS[quantityPattern(s)] ?? 'a quantity'}`;
      return `Invalid value: ${show(value)}: ${message}`;
    }
    case ValueErrorType.StringPattern:
      return `Invalid value: ${show(value)}: must be ${PATTERN_MEANINGS[s.pattern as string] ?? `a string matching '${s.pattern}'`}`;
    case ValueErrorType.StringMaxLength:
      return `Too long: may not be more than ${s.maxLength} characters`;
    case ValueErrorType.StringMinLength:
      return s.minLength === 1 ? 'Required value: must not be empty' : `Invalid value: ${show(value)}: must be at least ${s.minLength} characters`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `Invalid value: ${show(value)}: must be greater than or equal to ${s.minimum}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `Invalid value: ${show(value)}: must be less than or equal to ${s.maximum}`;
    case ValueErrorType.ArrayMaxItems:
      return `Too many: ${(value as unknown[]).length}: must have at most ${s.maxItems} items`;
    case ValueErrorType.ObjectMaxProperties:
      return `Too many: ${Object.keys(value as object).length}: must have at most ${s.maxProperties} entries`;
    case ValueErrorType.String:
    case ValueErrorType.Integer:
    case ValueErrorType.Number:
    case ValueErrorType.Boolean:
    case ValueErrorType.Object:
    case ValueErrorType.Array:
      return `Invalid value: ${show(value)}: must be of type ${s.type as string}`;
    default:
      return `Invalid value: ${show(value)}: ${message}`;
  }
}

function quantityPattern(s: TSchema): string {
  const text = ((s.anyOf ?? []) as TSchema[]).find((m) => m.type === 'string');
  return (text?.pattern as string | undefined) ?? '';
}

/**
 * TypeBox's verdict, less the length errors the API server would not give:
 * TypeBox measures `value.length` (UTF-16 units, 2 for an emoji), the server
 * counts characters (code points). Too long by units may be short enough by
 * characters; the opposite (long enough by units, too short by characters) is
 * found by shortStrings.
 */
function serverWouldGive({ type, schema, value }: ValueError): boolean {
  if (typeof value !== 'string') return true;
  const s = schema as TSchema;
  if (type === ValueErrorType.StringMaxLength) return characterCount(value) > (s.maxLength as number);
  if (type === ValueErrorType.StringMinLength) return characterCount(value) < (s.minLength as number);
  return true;
}

/** Strings TypeBox found long enough in UTF-16 units that are too short in characters. */
function shortStrings(value: unknown, schema: StructuralSchema, path: string): ValidationError[] {
  if (typeof value === 'string') {
    const min = schema.minLength;
    if (min === undefined || value.length < min || characterCount(value) >= min) return [];
    return [{ path, message: min === 1 ? 'Required value: must not be empty' : `Invalid value: ${show(value)}: must be at least ${min} characters` }];
  }
  if (Array.isArray(value)) return schema.items ? value.flatMap((item, i) => shortStrings(item, schema.items!, `${path}[${i}]`)) : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([name, child]) => {
    const childSchema = schema.properties?.[name] ?? schema.additionalProperties;
    return childSchema ? shortStrings(child, childSchema, join(path, name)) : [];
  });
}

/** TypeBox may report one field several ways (a union and its members); the first says it best. */
function firstPerPath(errors: ValidationError[]): ValidationError[] {
  const seen = new Set<string>();
  return errors.filter((e) => !seen.has(e.path) && seen.add(e.path));
}

// ------------------------------------------------------- 3. list-map keys

function duplicateKeys(value: unknown, schema: StructuralSchema, path: string): ValidationError[] {
  if (Array.isArray(value)) {
    const errors: ValidationError[] = [];
    const keys = schema['x-kubernetes-list-map-keys'];
    if (schema['x-kubernetes-list-type'] === 'map' && keys) {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const key = JSON.stringify(keys.map((k) => (item as Record<string, unknown> | null)?.[k]));
        if (seen.has(key)) {
          const shown = keys.map((k) => `${k}: ${show((item as Record<string, unknown>)[k])}`).join(', ');
          errors.push({ path: `${path}[${i}]`, message: `Duplicate value: ${shown} is already listed` });
        }
        seen.add(key);
      });
    }
    return [...errors, ...(schema.items ? value.flatMap((item, i) => duplicateKeys(item, schema.items!, `${path}[${i}]`)) : [])];
  }
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([name, child]) => {
    const childSchema = schema.properties?.[name] ?? schema.additionalProperties;
    return childSchema ? duplicateKeys(child, childSchema, join(path, name)) : [];
  });
}

// --------------------------------------------------------- 4. CEL twins

function celErrors(value: unknown, schema: StructuralSchema, path: string): ValidationError[] {
  if (value === undefined) return [];
  const errors: ValidationError[] = [];
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    const twin = twinOf(rule.rule);
    if (!twin) throw new Error(`CEL rule at ${path || '<root>'} has no TypeScript twin (declare it with celRule()): ${rule.rule}`);
    if (!twin(value)) errors.push({ path: `${path}${rule.fieldPath ?? ''}`.replace(/^\./, ''), message: rule.message });
  }
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => errors.push(...celErrors(item, schema.items!, `${path}[${i}]`)));
  } else if (value !== null && typeof value === 'object') {
    for (const [name, child] of Object.entries(value)) {
      const known = schema.properties?.[name];
      if (known) errors.push(...celErrors(child, known, join(path, name)));
      else if (schema.additionalProperties) errors.push(...celErrors(child, schema.additionalProperties, join(path, name)));
    }
  }
  return errors;
}

function unique(errors: ValidationError[]): ValidationError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\n${e.message}`;
    return !seen.has(key) && seen.add(key);
  });
}

/** One line per error, as `render` prints them. */
export function formatErrors(errors: ValidationError[]): string[] {
  return errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
}

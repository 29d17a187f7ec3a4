// TypeBox schema -> Kubernetes structural schema (JSONSchemaProps), the form a
// CRD's openAPIV3Schema must take: `type` on every node, no TypeBox symbols,
// no `const`/`anyOf` except the int-or-string idiom, maps as
// additionalProperties. The result is plain JSON, also walked by defaults.ts
// and validate.ts, so all three read the same schema.
import { Kind, type TSchema } from '@sinclair/typebox';
import type { CelRule } from './cel.ts';

export interface StructuralSchema {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  properties?: Record<string, StructuralSchema>;
  required?: string[];
  additionalProperties?: StructuralSchema;
  items?: StructuralSchema;
  anyOf?: StructuralSchema[];
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: CelRule[];
}

/** Value validations copied as they are, in this order (the YAML reads best so). */
const COPIED = [
  'format',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-validations',
] as const;

/** TypeBox bookkeeping and the keys each kind's conversion reads itself. */
const HANDLED = new Set<string>([
  ...COPIED,
  'description',
  'default',
  'type',
  'properties',
  'required',
  'items',
  'anyOf',
  'const',
  'patternProperties',
  'x-kubernetes-int-or-string',
]);

export function toStructural(schema: TSchema, path = '<root>'): StructuralSchema {
  for (const key of Object.keys(schema)) {
    // Refuse what would otherwise be dropped silently from the CRD.
    if (!HANDLED.has(key)) throw new Error(`${path}: schema keyword "${key}" has no structural form here`);
  }
  const out: StructuralSchema = {};
  if (typeof schema.description === 'string') out.description = withDefaultNoted(schema.description, schema.default);
  Object.assign(out, shape(schema, path));
  if ('default' in schema) out.default = structuredClone(schema.default);
  for (const key of COPIED) {
    if (schema[key] !== undefined) (out as Record<string, unknown>)[key] = structuredClone(schema[key]);
  }
  return out;
}

/** Type and children of one node, by TypeBox kind. */
function shape(schema: TSchema, path: string): StructuralSchema {
  switch (schema[Kind]) {
    case 'Object': {
      const properties: Record<string, StructuralSchema> = {};
      for (const [name, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
        properties[name] = toStructural(property, `${path}.${name}`);
      }
      // A defaulted field is never missing on the server: listing it as required
      // would only make clients (kubectl explain, editors) demand it.
      const required = ((schema.required as string[] | undefined) ?? []).filter((name) => !('default' in (schema.properties[name] as TSchema)));
      return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
    }
    case 'Record': {
      const [valueSchema] = Object.values(schema.patternProperties as Record<string, TSchema>);
      if (!valueSchema) throw new Error(`${path}: record without a value schema`);
      return { type: 'object', additionalProperties: toStructural(valueSchema, `${path}[*]`) };
    }
    case 'Array':
      return { type: 'array', items: toStructural(schema.items as TSchema, `${path}[*]`) };
    case 'String':
      return { type: 'string' };
    case 'Integer':
      return { type: 'integer' };
    case 'Number':
      return { type: 'number' };
    case 'Boolean':
      return { type: 'boolean' };
    case 'Literal':
      return literals([schema], path);
    case 'Union':
      return union(schema, path);
    default:
      throw new Error(`${path}: TypeBox kind ${String(schema[Kind])} has no structural form here`);
  }
}

function union(schema: TSchema, path: string): StructuralSchema {
  const members = schema.anyOf as TSchema[];
  if (members.every((m) => m[Kind] === 'Literal')) return literals(members, path);
  if (schema['x-kubernetes-int-or-string'] === true) {
    // The structural idiom for int-or-string: anyOf of the two bare types, with
    // the string's validations on the node itself (they apply to strings only).
    const text = members.find((m) => m[Kind] === 'String');
    return {
      'x-kubernetes-int-or-string': true,
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      ...(text?.pattern ? { pattern: text.pattern as string } : {}),
      ...(text?.maxLength ? { maxLength: text.maxLength as number } : {}),
    };
  }
  throw new Error(`${path}: only unions of string literals, or int-or-string, have a structural form`);
}

function literals(members: TSchema[], path: string): StructuralSchema {
  const values = members.map((m) => m.const as unknown);
  if (!values.every((v) => typeof v === 'string')) throw new Error(`${path}: only string literals are supported`);
  return { type: 'string', enum: values };
}

/**
 * `kubectl explain` shows descriptions but not defaults, so a scalar default is
 * spelled out at the end of the description (generated, so it never drifts).
 */
function withDefaultNoted(description: string, value: unknown): string {
  if (value === undefined || typeof value === 'object') return description;
  return `${description} Default: ${JSON.stringify(value)}.`;
}

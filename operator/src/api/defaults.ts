// Defaulting without a cluster, for `render` and for objects built by hand:
// the API server's structural defaulting algorithm (apiextensions-apiserver
// schema/defaulting), run on the CRD's own schema. TypeBox's Value.Default is
// close but not the same (it merges a default object into a present one), so
// this walks the schema the way the API server does:
// - unknown fields are dropped and nulls of non-nullable fields too (the
//   server prunes both before defaulting; validate.ts reports unknown fields);
// - a property absent (or null) gets a deep copy of its default;
// - then every present property, map value and list item is defaulted in turn,
//   so defaults inside a default (`watcher: {}` -> interval "30s") cascade.
import type { ChatCLIInstance, DefaultedChatCLIInstance } from './chatcliinstance.ts';
import { crdManifest } from './crd.ts';
import type { StructuralSchema } from './structural.ts';

let rootSchema: StructuralSchema | undefined;
/** The schema the API server defaults with: the CRD's openAPIV3Schema. */
export function instanceSchema(): StructuralSchema {
  rootSchema ??= crdManifest().spec.versions[0]?.schema.openAPIV3Schema;
  if (!rootSchema) throw new Error('the CRD has no version schema');
  return rootSchema;
}

/** Applies the schema's defaults to a JSON value in place (the API server's algorithm). */
export function applyDefaults(value: unknown, schema: StructuralSchema): void {
  if (Array.isArray(value)) {
    if (!schema.items) return;
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null && schema.items.default !== undefined) value[i] = structuredClone(schema.items.default);
      applyDefaults(value[i], schema.items);
    }
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const object = value as Record<string, unknown>;
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (property.default !== undefined && (object[name] === undefined || object[name] === null)) {
      object[name] = structuredClone(property.default);
    }
  }
  for (const [name, child] of Object.entries(object)) {
    const childSchema = schema.properties?.[name] ?? schema.additionalProperties;
    if (!childSchema) continue;
    if (child === null && childSchema.default !== undefined) object[name] = structuredClone(childSchema.default);
    applyDefaults(object[name], childSchema);
  }
}

/**
 * Drops what the API server prunes: fields the schema does not declare, and
 * nulls (no field here is nullable). ObjectMeta is the server's own and kept.
 */
export function prune(value: unknown, schema: StructuralSchema, isRoot = true): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) prune(item, schema.items, false);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const object = value as Record<string, unknown>;
  for (const [name, child] of Object.entries(object)) {
    if (isRoot && name === 'metadata') continue;
    const childSchema = schema.properties?.[name] ?? schema.additionalProperties;
    if (!childSchema || (child === null && childSchema.default === undefined)) delete object[name];
    else prune(child, childSchema, false);
  }
}

/**
 * The instance as the API server would store it: a deep copy with every
 * default applied. Objects read from the API server come back unchanged.
 * `namespace` stands in for the request's namespace when metadata has none
 * (as `kubectl apply -n` would supply it).
 */
export function withDefaults(instance: ChatCLIInstance, namespace = 'default'): DefaultedChatCLIInstance {
  const copy = structuredClone(instance);
  prune(copy, instanceSchema());
  applyDefaults(copy, instanceSchema());
  copy.metadata = { ...copy.metadata, namespace: copy.metadata?.namespace || namespace };
  return copy as DefaultedChatCLIInstance;
}

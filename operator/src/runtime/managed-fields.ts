// managedFields, the API server's record of which field manager set which
// field, read for one purpose: a create (or update) records its fields under
// an entry of operation Update, which later applies of the same manager do not
// govern. Pure: apply.ts handOverToApply does the I/O.
import type { JsonPatchOperation } from './apply.ts';
import type { KubeObject } from './kube.ts';

/** One entry of metadata.managedFields, as the API server writes it. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: FieldSet;
  subresource?: string;
}
/** A fieldsV1 set: a trie of field keys ("f:spec", "k:{...}", "v:...", "."), every leaf `{}`. */
type FieldSet = { [key: string]: FieldSet };

/** Whether this entry is `fieldManager`'s create or update of the object itself (not of a subresource). */
const isUpdateBy = (e: ManagedFieldsEntry, fieldManager: string) => e.manager === fieldManager && e.operation === 'Update' && !e.subresource;
const isApplyBy = (e: ManagedFieldsEntry, fieldManager: string) => e.manager === fieldManager && e.operation === 'Apply' && !e.subresource;

/** Whether `fieldManager` holds fields of the object through a create or update (an Update entry), which its applies do not govern. */
export function holdsByUpdate(obj: { metadata?: object } | undefined, fieldManager: string): boolean {
  const entries = (obj?.metadata as { managedFields?: ManagedFieldsEntry[] } | undefined)?.managedFields;
  return entries?.some((e) => isUpdateBy(e, fieldManager)) ?? false;
}

function unionFields(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { ...a };
  for (const [key, sub] of Object.entries(b)) out[key] = out[key] ? unionFields(out[key], sub) : sub;
  return out;
}

/**
 * The JSON patch that hands the fields `fieldManager` holds through a create
 * or update over to its apply: its Update entries of the object (not of a
 * subresource) are merged into its Apply entry (made if there is none), and
 * dropped. Its next apply then owns them, and removes those it no longer
 * declares; an Update entry would have kept them forever. The client-side to
 * server-side apply upgrade (client-go's csaupgrade does the same for kubectl);
 * the API server takes managedFields as sent when nothing else changes. Tested
 * against the uid and resourceVersion as read. Undefined when there is no such
 * entry. The operator's kinds have one served version each, so the entries'
 * field sets share one schema.
 */
export function handOverToApplyPatch(current: KubeObject, fieldManager: string): JsonPatchOperation[] | undefined {
  const entries = (current.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
  const updates = entries.filter((e) => isUpdateBy(e, fieldManager));
  if (updates.length === 0) return undefined;
  const { uid, resourceVersion } = current.metadata ?? {};
  if (!uid || !resourceVersion) throw new Error(`${current.kind ?? 'object'} ${current.metadata?.name ?? ''}: a managedFields hand-over needs the uid and resourceVersion it was read at`);
  const applied = entries.find((e) => isApplyBy(e, fieldManager));
  const merged = [...(applied ? [applied] : []), ...updates];
  const latest = merged.map((e) => e.time ?? '').sort().at(-1);
  const entry: ManagedFieldsEntry = {
    manager: fieldManager,
    operation: 'Apply',
    apiVersion: applied?.apiVersion ?? updates[0]!.apiVersion,
    ...(latest ? { time: latest } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: merged.reduce<FieldSet>((set, e) => unionFields(set, e.fieldsV1 ?? {}), {}),
  };
  // The Apply entry where it was (else where the first Update entry was), the Update entries gone.
  const at = entries.indexOf(applied ?? updates[0]!);
  const managedFields = entries.flatMap((e, i) => (i === at ? [entry] : merged.includes(e) ? [] : [e]));
  return [
    { op: 'test', path: '/metadata/uid', value: uid },
    { op: 'test', path: '/metadata/resourceVersion', value: resourceVersion },
    { op: 'replace', path: '/metadata/managedFields', value: managedFields },
  ];
}

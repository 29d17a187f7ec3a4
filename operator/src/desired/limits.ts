// Sizes the API server measures in bytes on the objects an instance becomes,
// measured the same way before anything is applied. The CRD bounds characters
// and entries (CEL has no size() of a serialised form), and a character is 1
// to 4 bytes in UTF-8 (a quote in the watch-config YAML 2, escaped): the worst
// case the CRD accepts is over these limits, and the API server would refuse
// the object after accepting the instance. Pure: no I/O.
import type { ValidationError } from '../api/validate.ts';
import { WATCH_CONFIG_KEY } from './names.ts';
import type { KubeObject } from './object.ts';

/**
 * The keys and values of one object's annotations, a pod template's included,
 * in bytes (apimachinery's TotalAnnotationSizeLimitB, ValidateAnnotationsSize).
 */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;
/**
 * The values of a ConfigMap's data (and binaryData, which the operator never
 * writes), in bytes (core's MaxSecretSize, ValidateConfigMap).
 */
export const CONFIGMAP_DATA_MAX_BYTES = 1024 * 1024;

/** One size the API server checks: where in an object, and the spec field it comes from. */
interface Measured {
  /** The spec field whose values make up most of it, in the API server's notation. */
  field: string;
  /** What is measured, for the message. */
  what: string;
  bytes: number;
  limit: number;
}

/**
 * Every size over a limit the API server enforces, naming the spec field it
 * comes from and the limit; empty when the API server would accept every object.
 */
export function oversizeErrors(objects: readonly KubeObject[]): ValidationError[] {
  return objects.flatMap(measured)
    .filter((m) => m.bytes > m.limit)
    .map((m) => ({
      path: m.field,
      message: `Too long: ${m.what} would be ${m.bytes} bytes (UTF-8); the API server accepts at most ${m.limit}`,
    }));
}

/** The spec field an object's own annotations come from, by kind (the others carry only the operator's). */
const ANNOTATIONS_FIELD: Readonly<Record<string, string>> = {
  Service: 'spec.service.annotations',
  ServiceAccount: 'spec.serviceAccount.annotations',
};

function measured(o: KubeObject): Measured[] {
  const name = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
  const sizes: Measured[] = [{
    field: ANNOTATIONS_FIELD[o.kind] ?? '',
    what: `the annotations of ${name} (keys and values)`,
    bytes: mapBytes(o.metadata.annotations, true),
    limit: ANNOTATIONS_MAX_BYTES,
  }];
  const template = (o.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.template;
  if (template) {
    sizes.push({
      field: 'spec.podAnnotations',
      what: `the pod template annotations of ${name} (keys and values, the operator's own included)`,
      bytes: mapBytes(template.metadata?.annotations, true),
      limit: ANNOTATIONS_MAX_BYTES,
    });
  }
  if (o.apiVersion === 'v1' && o.kind === 'ConfigMap') {
    const data = o.data as Record<string, string> | undefined;
    sizes.push({
      // Only the watch-config can grow this large: its targets' metricsFilter lists.
      field: data?.[WATCH_CONFIG_KEY] !== undefined ? 'spec.watcher.targets' : 'spec',
      what: `the data of ${name} (its values)`,
      bytes: mapBytes(data, false),
      limit: CONFIGMAP_DATA_MAX_BYTES,
    });
  }
  return sizes;
}

/** UTF-8 bytes of a map's values, and of its keys when `withKeys`. */
function mapBytes(map: Record<string, string> | undefined, withKeys: boolean): number {
  let total = 0;
  for (const [k, v] of Object.entries(map ?? {})) total += (withKeys ? Buffer.byteLength(k) : 0) + Buffer.byteLength(v);
  return total;
}

// What the operator's caches keep of each object: what the reconciler reads,
// and nothing more (memory grows with every cached object; docs/performance.md).
// - Instances: everything (spec, status, finalizers are all read), less bookkeeping.
// - Owned kinds: everything the operator applies is compared with them
//   (drift.ts coversDesired: metadata, spec, data, rules...), so only status
//   goes; a Deployment keeps the status fields the status computation reads.
//   Of managedFields, only a mark while our create's entry is there.
// - Pods: the labels that tie one to an instance, and what PodsHealthy reads.
// - Namespaces: their labels (which ones an instance may watch), and whether
//   one is being deleted (no grant is made there any more).
import type { KubeObject, ResourceType } from '../runtime/kube.ts';
import { Deployments, Namespaces, Pods } from '../runtime/resources.ts';
import { cacheTransform } from '../runtime/shape.ts';
import { FIELD_MANAGER } from '../desired/names.ts';
import { DEPLOYMENT_STATUS_PATHS, POD_VIEW_PATHS } from '../status/views.ts';

type Transform = (obj: KubeObject) => KubeObject;

const whole = cacheTransform();
// Owned kinds are created by POST: whether our create's Update entry is still
// there (reconcile.ts hands it over to our apply before the first update).
const withoutStatus = cacheTransform({ status: [], updatesBy: FIELD_MANAGER });
const deployment = cacheTransform({ status: DEPLOYMENT_STATUS_PATHS, updatesBy: FIELD_MANAGER });
const pod = cacheTransform({ keep: ['metadata.labels', ...POD_VIEW_PATHS] });
const namespace = cacheTransform({ keep: ['metadata.labels', 'metadata.deletionTimestamp'] });

const same = (a: ResourceType, b: ResourceType) => a.apiVersion === b.apiVersion && a.plural === b.plural;

/** The cache transform of a kind the operator watches; `primary` for the instances. */
export function cacheShapeOf(type: ResourceType, role: 'primary' | 'owned' | 'watched'): Transform {
  if (role === 'primary') return whole;
  if (same(type, Pods)) return pod;
  if (same(type, Namespaces)) return namespace;
  if (same(type, Deployments)) return deployment;
  return role === 'owned' ? withoutStatus : whole;
}

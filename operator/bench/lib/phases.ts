// Where the time between "create sent" and "Available" goes, per instance: the
// first moment the benchmark saw each milestone of the objects an instance
// becomes (its claim, the volume provisioned for it, its Deployment, its pod),
// through watches on those kinds started before the first create. Times are
// this process's performance.now(), like ./tracker.ts: the API server's
// timestamps are whole seconds, too coarse for steps of milliseconds.
import type { KubeConfig } from '@kubernetes/client-node';
import { LABEL_INSTANCE } from '../../src/desired/names.ts';
import type { KubeObject, ResourceType } from '../../src/runtime/kube.ts';
import { Deployments, PersistentVolumeClaims, Pods } from '../../src/runtime/resources.ts';
import { availableVerdict } from '../../src/status/available.ts';
import type { DeploymentView } from '../../src/status/views.ts';
import { observeKind } from './observe.ts';

/** Set on a claim by the PV controller when it hands the claim to a provisioner. */
const PROVISIONER_ANNOTATION = 'volume.kubernetes.io/storage-provisioner';
const PersistentVolumes: ResourceType = Object.freeze({ apiVersion: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false });

/** First-seen moments of one instance's objects (undefined: not seen). */
export interface Milestones {
  /** Its sessions claim exists (the operator applied it). */
  claimSeen?: number;
  /** The PV controller took the claim up for provisioning (annotated it with the provisioner's name). */
  provisioningStarted?: number;
  /** A PersistentVolume naming that claim exists (the provisioner made it). */
  volumeSeen?: number;
  /** That volume's phase is Bound (the PV controller's first binding write). */
  volumeBound?: number;
  /** The claim is Bound (the PV controller's last binding write). */
  claimBound?: number;
  /** Its Deployment exists (the operator applied it). */
  deploymentSeen?: number;
  /** A pod of it exists (the ReplicaSet controller made it). */
  podCreated?: number;
  /** The scheduler said the pod cannot be scheduled yet (PodScheduled=False). */
  podUnschedulable?: number;
  /** What the scheduler said then. */
  unschedulableMessage?: string;
  /** The pod has a node (the scheduler bound it). */
  podScheduled?: number;
  /** The pod is Ready (kwok's fake kubelet). */
  podReady?: number;
  /** The Deployment's status says every replica is ready (the Deployment and ReplicaSet controllers). */
  deploymentAvailable?: number;
}

export interface PhaseTracker {
  of(key: string): Milestones;
}

/**
 * Watches claims, volumes, Deployments and pods cluster-wide until `stopped`
 * aborts. Instance keys are "namespace/name": every object the operator makes
 * carries the instance label, the claim is found again from its volume's claimRef.
 */
export async function trackPhases(kc: KubeConfig, stopped: AbortSignal): Promise<PhaseTracker & { failure(): unknown }> {
  const seen = new Map<string, Milestones>();
  /** claim "namespace/name" -> instance key. */
  const claimOwner = new Map<string, string>();
  const at = (key: string): Milestones => {
    let m = seen.get(key);
    if (!m) seen.set(key, (m = {}));
    return m;
  };
  const first = (m: Milestones, field: Exclude<keyof Milestones, 'unschedulableMessage'>, now: number) => {
    if (m[field] === undefined) m[field] = now;
  };
  const instanceOf = (o: KubeObject): string | undefined => {
    const name = o.metadata?.labels?.[LABEL_INSTANCE];
    return name && o.metadata?.namespace ? `${o.metadata.namespace}/${name}` : undefined;
  };

  const onClaim = (o: KubeObject, now: number) => {
    const key = instanceOf(o);
    if (!key) return;
    claimOwner.set(`${o.metadata?.namespace}/${o.metadata?.name}`, key);
    const m = at(key);
    first(m, 'claimSeen', now);
    if (o.metadata?.annotations?.[PROVISIONER_ANNOTATION]) first(m, 'provisioningStarted', now);
    if ((o.status as { phase?: string } | undefined)?.phase === 'Bound') first(m, 'claimBound', now);
  };
  const onVolume = (o: KubeObject, now: number) => {
    const ref = (o.spec as { claimRef?: { namespace?: string; name?: string } } | undefined)?.claimRef;
    const key = ref && claimOwner.get(`${ref.namespace}/${ref.name}`);
    if (!key) return;
    first(at(key), 'volumeSeen', now);
    if ((o.status as { phase?: string } | undefined)?.phase === 'Bound') first(at(key), 'volumeBound', now);
  };
  const onDeployment = (o: KubeObject, now: number) => {
    const key = instanceOf(o);
    if (!key) return;
    const m = at(key);
    first(m, 'deploymentSeen', now);
    const d = o as DeploymentView;
    if (availableVerdict(d.spec?.replicas ?? 1, d).status === 'True') first(m, 'deploymentAvailable', now);
  };
  const onPod = (o: KubeObject, now: number) => {
    const key = instanceOf(o);
    if (!key) return;
    const m = at(key);
    first(m, 'podCreated', now);
    const conditions = (o.status as { conditions?: { type: string; status: string; message?: string }[] } | undefined)?.conditions ?? [];
    const scheduled = conditions.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && m.podUnschedulable === undefined) {
      m.podUnschedulable = now;
      m.unschedulableMessage = scheduled.message;
    }
    if ((o.spec as { nodeName?: string } | undefined)?.nodeName) first(m, 'podScheduled', now);
    if (conditions.some((c) => c.type === 'Ready' && c.status === 'True')) first(m, 'podReady', now);
  };

  let failure: unknown;
  // The volume's claim must be known first: claims before volumes.
  const kinds: [ResourceType, (o: KubeObject, now: number) => void][] = [
    [PersistentVolumeClaims, onClaim], [PersistentVolumes, onVolume], [Deployments, onDeployment], [Pods, onPod],
  ];
  for (const [type, note] of kinds) {
    await observeKind(kc, type, stopped, note, (err) => (failure ??= new Error(`${type.kind} watch failed: ${String(err)}`)));
  }
  return { of: (key) => seen.get(key) ?? {}, failure: () => failure };
}

/** One step between two milestones, and whose work it is. */
export interface Step {
  name: string;
  /** "plane" (Kubernetes' own controllers, scheduler, kwok) or "operator". */
  whose: 'plane' | 'operator';
  from: keyof Milestones | 'sent' | 'after claim bound and pod created';
  to: keyof Milestones | 'instanceAvailable';
  /** A wait: 0 when `to` came first (the pod did not wait for its claim). */
  wait?: boolean;
}

/**
 * The steps, each timed from the milestone it waits on. The operator applies
 * the claim and the Deployment in one reconcile, so provisioning runs beside
 * the Deployment's rollout: a claim's pod waits for whichever comes last.
 */
export const CLAIM_STEPS: Step[] = [
  { name: 'create sent -> claim seen', whose: 'operator', from: 'sent', to: 'claimSeen' },
  { name: 'claim -> PV controller starts provisioning', whose: 'plane', from: 'claimSeen', to: 'provisioningStarted' },
  { name: 'provisioning -> volume created (provisioner)', whose: 'plane', from: 'provisioningStarted', to: 'volumeSeen' },
  { name: 'volume created -> volume Bound (PV controller)', whose: 'plane', from: 'volumeSeen', to: 'volumeBound' },
  { name: 'volume Bound -> claim Bound (PV controller)', whose: 'plane', from: 'volumeBound', to: 'claimBound' },
  { name: 'claim seen -> claim Bound (all of the above)', whose: 'plane', from: 'claimSeen', to: 'claimBound' },
  { name: 'create sent -> Deployment seen', whose: 'operator', from: 'sent', to: 'deploymentSeen' },
  { name: 'Deployment -> pod created', whose: 'plane', from: 'deploymentSeen', to: 'podCreated' },
  { name: 'pod created -> scheduler said unschedulable', whose: 'plane', from: 'podCreated', to: 'podUnschedulable' },
  { name: 'pod created -> claim Bound (the pod waits for storage)', whose: 'plane', from: 'podCreated', to: 'claimBound', wait: true },
  { name: 'claim Bound and pod created -> pod scheduled', whose: 'plane', from: 'after claim bound and pod created', to: 'podScheduled' },
  { name: 'pod scheduled -> pod Ready', whose: 'plane', from: 'podScheduled', to: 'podReady' },
  { name: 'pod Ready -> Deployment available', whose: 'plane', from: 'podReady', to: 'deploymentAvailable' },
  { name: 'Deployment available -> instance Available seen', whose: 'operator', from: 'deploymentAvailable', to: 'instanceAvailable' },
];

export const NO_CLAIM_STEPS: Step[] = [
  { name: 'create sent -> Deployment seen', whose: 'operator', from: 'sent', to: 'deploymentSeen' },
  { name: 'Deployment -> pod created', whose: 'plane', from: 'deploymentSeen', to: 'podCreated' },
  { name: 'pod created -> pod scheduled', whose: 'plane', from: 'podCreated', to: 'podScheduled' },
  { name: 'pod scheduled -> pod Ready', whose: 'plane', from: 'podScheduled', to: 'podReady' },
  { name: 'pod Ready -> Deployment available', whose: 'plane', from: 'podReady', to: 'deploymentAvailable' },
  { name: 'Deployment available -> instance Available seen', whose: 'operator', from: 'deploymentAvailable', to: 'instanceAvailable' },
];

/** A step's duration in seconds for one instance; undefined when a milestone was not seen. */
export function stepSeconds(step: Step, m: Milestones, sent: number, instanceAvailable: number | undefined): number | undefined {
  const moment = (which: Step['from'] | Step['to']): number | undefined => {
    if (which === 'sent') return sent;
    if (which === 'instanceAvailable') return instanceAvailable;
    if (which === 'after claim bound and pod created') {
      return m.claimBound === undefined || m.podCreated === undefined ? undefined : Math.max(m.claimBound, m.podCreated);
    }
    const v = m[which];
    return typeof v === 'number' ? v : undefined;
  };
  const from = moment(step.from);
  const to = moment(step.to);
  if (from === undefined || to === undefined) return undefined;
  return step.wait ? Math.max(0, to - from) / 1000 : (to - from) / 1000;
}

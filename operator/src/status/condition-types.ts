// Every condition the operator writes on a ChatCLIInstance, with its reasons,
// in one place. Kubernetes API conventions: positive polarity (True is the good
// state), CamelCase reasons a machine can switch on, plain one-line messages a
// person can act on. A message never holds a secret value: the inputs carry
// Secret names and key names only.
//
// Available (seed contract; `status.ready` mirrors it): are the replicas
// serving? A rollout or a scale that keeps them serving is not an outage.
//   True  when the Deployment reports neither ReplicaFailure=True nor
//         Progressing=False, and
//         - every desired replica is ready and up to date: the Deployment's
//           controller has observed its latest spec and updated == ready ==
//           current == desired;
//           AllReplicasReady      "2/2 replicas ready"
//           ScaledToZero          spec.replicas is 0 and no pod is left
//         - or the instance was Available at its last status, a rollout or a
//           scale is under way, and no fewer replicas are ready than then,
//           bounded by what is asked (servingFloor in ./available.ts): at least
//           min(previously ready, desired), or during a template rollout
//           min(previously ready, desired - maxUnavailable) (the Deployment's
//           own rolling-update budget); at least 1 unless desired is 0.
//           ServingDuringRollout  "3/5 replicas ready; rollout in progress ..."
//   False otherwise, the message starting "N/M replicas ready":
//         DeploymentMissing         the Deployment does not exist (yet)
//         ReplicaFailure            the Deployment cannot create (or delete)
//                                   pods: the message carries the API server's
//                                   words (PodSecurity, a missing PriorityClass,
//                                   a quota); wins over the next
//         ProgressDeadlineExceeded  the Deployment reports a stalled rollout
//         RolloutFailed             the Deployment reports Progressing=False for
//                                   another reason (its reason and message given)
//         RolloutInProgress         a rollout that is not (yet) serving: spec not
//                                   yet observed, pods not yet updated, or old
//                                   pods not yet gone
//         ReplicasNotReady          pods are up to date but not all ready (and
//                                   fewer than before, or never all were)
//
// ReconcileSucceeded
//   True  ReconcileSucceeded  the last reconcile applied every desired object
//   False ReconcileFailed     the last reconcile failed; the message is its error
//   False Conflict            an object the instance should become already exists
//                             and is not provably the instance's (no controller
//                             owner reference with its uid; elsewhere no
//                             chatcli.diillson.com/owner-uid annotation with it):
//                             the operator leaves it untouched; the message names
//                             it (with any other error of the same reconcile)
//   False TargetNotPermitted  everything was applied except the watcher's access
//                             to namespaces the operator may not grant it (not
//                             labelled chatcli.diillson.com/watchable=true under
//                             --watch-namespace-policy=label); the message names
//                             each field and namespace. observedGeneration moves:
//                             this is a standing decision, not a failure to retry
//
// SecretsFound: every Secret the pod refers to exists, with the keys it names:
// spec.apiKeys.name, spec.server.token.name/key, spec.server.tls.secretName,
// spec.env[].valueFrom.secretKeyRef.name/key, spec.envFrom[].secretRef.name
// (those marked optional: true are not required, as the kubelet does not)
//   True    AllSecretsFound     (also when the spec refers to none)
//   False   SecretNotFound      a referenced Secret is missing (wins over the next)
//   False   SecretKeyNotFound   the Secret exists but lacks the referenced key
//   Unknown SecretsNotChecked   the reconciler could not look them up
// The operator holds no permission on Secrets (config/rbac/role.yaml), so in
// practice it learns of a missing Secret or key from the kubelet, through the
// CreateContainerConfigError its pods report (secretsVerdictFromPods):
//   True    NoneReportedMissing  no pod reports a referenced Secret or key missing
//   (a missing TLS Secret, a volume, shows only in the kubelet's FailedMount
//   Event, never on the pod's status: it is not seen this way; nor is a missing
//   imagePullSecret, which the kubelet skips with an Event)
//
// PodsHealthy: no failure that keeps a server from running is seen on the
// instance's pods or in the Deployment's conditions, and the image can serve
// the provider asked for (it says nothing about readiness: that is Available)
//   True    NoFailuresSeen
//   False   ReplicaFailure        the Deployment cannot create pods; the message
//                                 is the API server's refusal; wins over
//   False   ContainerConfigError  the kubelet cannot create the container
//                                 (typically a missing Secret or key); wins over
//   False   ImagePullFailed       the image cannot be pulled or is invalid; wins over
//   False   CrashLoop             the container keeps exiting; wins over
//   False   Unschedulable         the scheduler finds no node for a pod; wins over
//   False   ProviderNotInImage    image.tag is a supported release older than the
//                                 one that added spec.provider ("spec.provider
//                                 OPENROUTER: image tag v1.57.1 has no such provider
//                                 (added in v1.188.0) ..."): that server starts and
//                                 answers Health, but refuses every request naming
//                                 no provider of its own; wins over
//   False   ProgressDeadlineExceeded, RolloutFailed
//                                 the Deployment reports Progressing=False and no
//                                 pod shows one of the above: the message gives
//                                 the Deployment's words and the pods not ready
//   Unknown PodsNotChecked        the reconciler could not list the pods (and the
//                                 Deployment reports no failure)

// WatcherReady: may the watcher read every namespace it names? A grant that
// cannot be made costs only its namespace (the server runs); this names each
// namespace not watched and why (src/status/watcher.ts)
//   True    AllNamespacesGranted  a Role and RoleBinding apply in every namespace named
//   True    WatcherDisabled       the watcher is off: nothing to grant
//   False   NamespacesNotWatched  "N of M namespaces not watched: namespace "x": why; ...":
//                                 not labelled watchable (TargetNotPermitted above),
//                                 a Role or RoleBinding of the grant's name that is
//                                 not the instance's (Conflict), an API error, or
//                                 held until the ServiceAccount applies
//   False   TargetKindNotInImage  every grant made, but image.tag is a supported release
//                                 older than a target's kind (v1.57.1 reads Deployments
//                                 only): names each spec.watcher.targets[i].kind
//   Unknown WatcherNotChecked     the spec could not be turned into objects

export const ConditionType = {
  Available: 'Available',
  ReconcileSucceeded: 'ReconcileSucceeded',
  SecretsFound: 'SecretsFound',
  PodsHealthy: 'PodsHealthy',
  WatcherReady: 'WatcherReady',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** The order conditions are written in when none exists yet. */
export const CONDITION_TYPES: readonly ConditionType[] = [
  ConditionType.Available,
  ConditionType.ReconcileSucceeded,
  ConditionType.SecretsFound,
  ConditionType.PodsHealthy,
  ConditionType.WatcherReady,
];

export const AvailableReason = {
  AllReplicasReady: 'AllReplicasReady',
  ScaledToZero: 'ScaledToZero',
  ServingDuringRollout: 'ServingDuringRollout',
  DeploymentMissing: 'DeploymentMissing',
  ReplicaFailure: 'ReplicaFailure',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  RolloutFailed: 'RolloutFailed',
  RolloutInProgress: 'RolloutInProgress',
  ReplicasNotReady: 'ReplicasNotReady',
} as const;

export const ReconcileReason = {
  ReconcileSucceeded: 'ReconcileSucceeded',
  ReconcileFailed: 'ReconcileFailed',
  Conflict: 'Conflict',
  TargetNotPermitted: 'TargetNotPermitted',
} as const;

export const WatcherReason = {
  AllNamespacesGranted: 'AllNamespacesGranted',
  WatcherDisabled: 'WatcherDisabled',
  NamespacesNotWatched: 'NamespacesNotWatched',
  TargetKindNotInImage: 'TargetKindNotInImage',
  WatcherNotChecked: 'WatcherNotChecked',
} as const;

export const SecretsReason = {
  AllSecretsFound: 'AllSecretsFound',
  SecretNotFound: 'SecretNotFound',
  SecretKeyNotFound: 'SecretKeyNotFound',
  SecretsNotChecked: 'SecretsNotChecked',
  NoneReportedMissing: 'NoneReportedMissing',
} as const;

export const PodsReason = {
  NoFailuresSeen: 'NoFailuresSeen',
  ReplicaFailure: 'ReplicaFailure',
  ContainerConfigError: 'ContainerConfigError',
  ImagePullFailed: 'ImagePullFailed',
  CrashLoop: 'CrashLoop',
  Unschedulable: 'Unschedulable',
  ProviderNotInImage: 'ProviderNotInImage',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  RolloutFailed: 'RolloutFailed',
  PodsNotChecked: 'PodsNotChecked',
} as const;

/**
 * Messages are cut to this length: long API errors (field-manager conflicts,
 * webhook output) would otherwise bloat every status write, and their useful
 * part, naming the object and the cause, comes first.
 */
export const MAX_MESSAGE_LENGTH = 1024;

// Every condition the operator writes on a ChatCLIInstance, with its reasons,
// in one place. Kubernetes API conventions: positive polarity (True is the good
// state), CamelCase reasons a machine can switch on, plain one-line messages a
// person can act on. A message never holds a secret value: the inputs carry
// Secret names and key names only.
//
// Available (seed contract; `status.ready` mirrors it)
//   True  when every desired replica is ready and up to date: the Deployment's
//         controller has observed its latest spec and updated == ready ==
//         current == desired.
//         AllReplicasReady  "2/2 replicas ready"
//         ScaledToZero      spec.replicas is 0 and no pod is left
//   False otherwise, the message starting "N/M replicas ready":
//         DeploymentMissing         the Deployment does not exist (yet)
//         RolloutInProgress         spec not yet observed, pods not yet updated,
//                                   or old pods not yet gone
//         ProgressDeadlineExceeded  the Deployment reports a stalled rollout
//         ReplicasNotReady          pods are up to date but not all ready
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
// SecretsFound: every Secret the spec refers to (spec.apiKeys.name,
// spec.server.token.name/key, spec.server.tls.secretName) exists
//   True    AllSecretsFound     (also when the spec refers to none)
//   False   SecretNotFound      a referenced Secret is missing (wins over the next)
//   False   SecretKeyNotFound   the Secret exists but lacks the referenced key
//   Unknown SecretsNotChecked   the reconciler could not look them up
// The operator holds no permission on Secrets (config/rbac/role.yaml), so in
// practice it learns of a missing Secret or key from the kubelet, through the
// CreateContainerConfigError its pods report (secretsVerdictFromPods):
//   True    NoneReportedMissing  no pod reports a referenced Secret or key missing
//
// PodsHealthy: no failure that keeps a server from running is seen on the
// instance's pods (it says nothing about readiness: that is Available)
//   True    NoFailuresSeen
//   False   ContainerConfigError  the kubelet cannot create the container
//                                 (typically a missing Secret or key); wins over
//   False   ImagePullFailed       the image cannot be pulled or is invalid; wins over
//   False   CrashLoop             the container keeps exiting
//   Unknown PodsNotChecked        the reconciler could not list the pods

export const ConditionType = {
  Available: 'Available',
  ReconcileSucceeded: 'ReconcileSucceeded',
  SecretsFound: 'SecretsFound',
  PodsHealthy: 'PodsHealthy',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** The order conditions are written in when none exists yet. */
export const CONDITION_TYPES: readonly ConditionType[] = [
  ConditionType.Available,
  ConditionType.ReconcileSucceeded,
  ConditionType.SecretsFound,
  ConditionType.PodsHealthy,
];

export const AvailableReason = {
  AllReplicasReady: 'AllReplicasReady',
  ScaledToZero: 'ScaledToZero',
  DeploymentMissing: 'DeploymentMissing',
  RolloutInProgress: 'RolloutInProgress',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  ReplicasNotReady: 'ReplicasNotReady',
} as const;

export const ReconcileReason = {
  ReconcileSucceeded: 'ReconcileSucceeded',
  ReconcileFailed: 'ReconcileFailed',
  Conflict: 'Conflict',
  TargetNotPermitted: 'TargetNotPermitted',
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
  ContainerConfigError: 'ContainerConfigError',
  ImagePullFailed: 'ImagePullFailed',
  CrashLoop: 'CrashLoop',
  PodsNotChecked: 'PodsNotChecked',
} as const;

/**
 * Messages are cut to this length: long API errors (field-manager conflicts,
 * webhook output) would otherwise bloat every status write, and their useful
 * part, naming the object and the cause, comes first.
 */
export const MAX_MESSAGE_LENGTH = 1024;

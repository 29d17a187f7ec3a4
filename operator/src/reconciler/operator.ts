// `chatcli-operator run`: the operator process. Wires the ChatCLI reconciler
// into the generic runtime: informers + work queue (controller), leader
// election, metrics and health servers, Events, structured logs, and a graceful
// SIGTERM (stop taking work, finish in-flight reconciles, release the Lease).
// A lost Lease is different: every in-flight reconcile is aborted at once,
// nothing more is written, and the process exits with 1 (as controller-runtime).
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GROUP } from '../api/chatcliinstance.ts';
import { LABEL_MANAGED_BY, OPERATOR_NAME, instanceKeyFromLabels } from '../desired/names.ts';
import { ABANDON_AFTER_ABORT_MS, DEFAULT_SHUTDOWN_GRACE_MS, startController, type Controller } from '../runtime/controller.ts';
import { formatDuration, parseDuration } from '../runtime/duration.ts';
import { createEventRecorder, type EventRecorder } from '../runtime/events.ts';
import { DEFAULT_HEALTH_PORT, DEFAULT_METRICS_PORT, startHealthServer, startMetricsServer } from '../runtime/http.ts';
import { ApiError, closeConnections, kubeConfigSource, loadKubeConfig, request, setClientRateLimit, setRequestObserver, withoutRateLimit, type ClusterConfig, type KubeObject, type ResourceType } from '../runtime/kube.ts';
import {
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  runLeaderElection,
} from '../runtime/leader.ts';
import { createLogger } from '../runtime/log.ts';
import { cacheShapeOf } from './cache-shape.ts';
import { createChatCLIOperatorMetrics } from './operator-metrics.ts';
import { createReconciler } from './reconcile.ts';
import type { ChatCLIInstance } from '../api/chatcliinstance.ts';
import {
  DEFAULT_WATCH_NAMESPACE_POLICY,
  instancesNaming,
  isWatchNamespacePolicy,
  WATCH_NAMESPACE_POLICIES,
  WATCHABLE_NAMESPACES_SELECTOR,
  type WatchNamespacePolicy,
} from '../desired/tenancy.ts';
import { Namespaces } from '../runtime/resources.ts';
import { INSTANCES, OPTIONAL_TYPES, PODS, servedTypes } from './types.ts';

/**
 * The client-side limit on requests to the API server (every request and
 * watch of the operator but its Lease's): off by default, as controller-runtime
 * has it since 2025 (kubernetes-sigs/controller-runtime#3119, on SIG API
 * Machinery's advice): the server's API Priority and Fairness is the
 * back-pressure, and its 429 answers are honoured (Retry-After), as are the
 * work queue's backoff and retry limit. The old default, 200/s with a burst of
 * 400, was the bottleneck on a fast API server: converging 1000 new instances
 * (about 17,800 requests) took 87 s where the server allowed 31 (issue of
 * 2026-12-07). --kube-api-qps N sets a ceiling for those who want one.
 */
export const DEFAULT_KUBE_API_QPS = -1;
export const DEFAULT_KUBE_API_BURST = 400;
/** controller-runtime's SyncPeriod default. */
export const DEFAULT_SYNC_PERIOD_MS = 10 * 3_600_000;

const USAGE = `Usage: chatcli-operator run [flags]

Runs the operator against the cluster of KUBECONFIG (or --kubeconfig), or
in-cluster from its ServiceAccount.

Flags:
  --kubeconfig PATH                     kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)
  --leader-elect                        elect one active replica through a coordination.k8s.io Lease
  --leader-election-namespace NS        namespace of the Lease (default: the pod's, else chatcli-system)
  --leader-election-id NAME             name of the Lease (default chatcli-operator.${GROUP})
  --leader-elect-lease-duration D       how long a Lease holds without renewal (default ${formatDuration(DEFAULT_LEASE_DURATION_MS)})
  --leader-elect-renew-deadline D       the leader steps down after failing to renew for this long (default ${formatDuration(DEFAULT_RENEW_DEADLINE_MS)})
  --leader-elect-retry-period D         between attempts to take or renew the Lease (default ${formatDuration(DEFAULT_RETRY_PERIOD_MS)})
  --max-concurrent-reconciles N         instances reconciled in parallel (default 16)
  --watch-namespace-policy label|any    which namespaces besides its own an instance's watcher may be granted
                                        reads in: label (default) only those labelled ${WATCHABLE_NAMESPACES_SELECTOR}; any
  --sync-period D                       reconcile every instance again this often, +-10% (default ${formatDuration(DEFAULT_SYNC_PERIOD_MS)}; 0 never)
  --kube-api-qps N                      a client-side limit: requests a second to the API server, on average
                                        (default none: the server's API Priority and Fairness; negative: none)
  --kube-api-burst N                    requests at once above that average, with --kube-api-qps (default ${DEFAULT_KUBE_API_BURST})
  --metrics-bind-address HOST:PORT      Prometheus metrics (default :${DEFAULT_METRICS_PORT}; "0" turns it off)
  --health-probe-bind-address HOST:PORT /healthz and /readyz (default :${DEFAULT_HEALTH_PORT})
  --log-level LEVEL                     trace, debug, info, warn, error (default info, or LOG_LEVEL)
`;

/** After a lost Lease, the process exits at the latest this long after its work was aborted. */
const EXIT_AFTER_LOST_MS = 2_000;
/**
 * The longest a SIGTERM takes: in-flight reconciles get the controller's grace
 * period, then 5 s after their abort; the Lease release gets the renew
 * deadline at most. terminationGracePeriodSeconds in config/manager must be
 * above this (a unit test checks).
 */
export function longestShutdownMs(flags: Pick<OperatorFlags, 'renewDeadlineMs'>): number {
  return DEFAULT_SHUTDOWN_GRACE_MS + ABANDON_AFTER_ABORT_MS + flags.renewDeadlineMs;
}

const IN_CLUSTER_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface OperatorFlags {
  kubeconfig?: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  maxConcurrentReconciles: number;
  watchNamespacePolicy: WatchNamespacePolicy;
  /** 0: never. */
  syncPeriodMs: number;
  /** undefined: no client-side limit. */
  kubeApiRateLimit?: { perSecond: number; burst: number };
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  logLevel?: string;
}

export function parseOperatorFlags(argv: string[]): OperatorFlags {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      'leader-elect': { type: 'boolean', default: false },
      'leader-election-namespace': { type: 'string' },
      'leader-election-id': { type: 'string', default: `${OPERATOR_NAME}.${GROUP}` },
      'leader-elect-lease-duration': { type: 'string', default: formatDuration(DEFAULT_LEASE_DURATION_MS) },
      'leader-elect-renew-deadline': { type: 'string', default: formatDuration(DEFAULT_RENEW_DEADLINE_MS) },
      'leader-elect-retry-period': { type: 'string', default: formatDuration(DEFAULT_RETRY_PERIOD_MS) },
      'max-concurrent-reconciles': { type: 'string', default: '16' },
      'watch-namespace-policy': { type: 'string', default: DEFAULT_WATCH_NAMESPACE_POLICY },
      'sync-period': { type: 'string', default: formatDuration(DEFAULT_SYNC_PERIOD_MS) },
      'kube-api-qps': { type: 'string', default: String(DEFAULT_KUBE_API_QPS) },
      'kube-api-burst': { type: 'string', default: String(DEFAULT_KUBE_API_BURST) },
      'metrics-bind-address': { type: 'string', default: `:${DEFAULT_METRICS_PORT}` },
      'health-probe-bind-address': { type: 'string', default: `:${DEFAULT_HEALTH_PORT}` },
      'log-level': { type: 'string' },
    },
  });
  const concurrency = Number(values['max-concurrent-reconciles']);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`--max-concurrent-reconciles must be a whole number of at least 1, not "${values['max-concurrent-reconciles']}"`);
  }
  type DurationFlag = 'leader-elect-lease-duration' | 'leader-elect-renew-deadline' | 'leader-elect-retry-period' | 'sync-period';
  const duration = (flag: DurationFlag): number => {
    try {
      return parseDuration(values[flag]);
    } catch (err) {
      throw new Error(`--${flag}: ${(err as Error).message}`, { cause: err });
    }
  };
  const leaseDurationMs = duration('leader-elect-lease-duration');
  const renewDeadlineMs = duration('leader-elect-renew-deadline');
  const retryPeriodMs = duration('leader-elect-retry-period');
  // client-go's rule: the leader must give up before anyone may take the Lease over.
  if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs * 1.2 && retryPeriodMs > 0)) {
    throw new Error('leader election needs --leader-elect-lease-duration > --leader-elect-renew-deadline > 1.2 x --leader-elect-retry-period > 0');
  }
  const qps = Number(values['kube-api-qps']);
  const burst = Number(values['kube-api-burst']);
  if (!Number.isFinite(qps) || qps === 0) throw new Error(`--kube-api-qps must be a number above 0 (negative: no limit), not "${values['kube-api-qps']}"`);
  if (!Number.isInteger(burst) || burst < 1) throw new Error(`--kube-api-burst must be a whole number of at least 1, not "${values['kube-api-burst']}"`);
  return {
    kubeconfig: values.kubeconfig,
    leaderElect: values['leader-elect'],
    leaderElectionNamespace: values['leader-election-namespace'] ?? podNamespace() ?? 'chatcli-system',
    leaderElectionId: values['leader-election-id'],
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    maxConcurrentReconciles: concurrency,
    watchNamespacePolicy: watchNamespacePolicy(values['watch-namespace-policy']),
    syncPeriodMs: duration('sync-period'),
    kubeApiRateLimit: qps > 0 ? { perSecond: qps, burst } : undefined,
    metricsBindAddress: values['metrics-bind-address'],
    healthProbeBindAddress: values['health-probe-bind-address'],
    logLevel: values['log-level'],
  };
}

function watchNamespacePolicy(value: string): WatchNamespacePolicy {
  if (isWatchNamespacePolicy(value)) return value;
  throw new Error(`--watch-namespace-policy must be one of ${WATCH_NAMESPACE_POLICIES.join(', ')}, not "${value}"`);
}

function podNamespace(): string | undefined {
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  return existsSync(IN_CLUSTER_NAMESPACE) ? readFileSync(IN_CLUSTER_NAMESPACE, 'utf8').trim() : undefined;
}

/** "host:port", ":port" or "port"; undefined for "0" (off). */
function bindAddress(flag: string, value: string): { host?: string; port: number } | undefined {
  if (value === '0') return undefined;
  const m = /^(?:(.*):)?(\d+)$/.exec(value);
  if (!m) throw new Error(`${flag} must be HOST:PORT, :PORT or 0, not "${value}"`);
  return { host: m[1] || undefined, port: Number(m[2]) };
}

export async function runCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let flags: OperatorFlags;
  try {
    flags = parseOperatorFlags(argv);
  } catch (err) {
    process.stderr.write(`chatcli-operator run: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  return await runOperator(flags);
}

export async function runOperator(flags: OperatorFlags): Promise<number> {
  const log = createLogger({ level: flags.logLevel, name: OPERATOR_NAME });
  const kc = loadKubeConfig({ kubeconfigPath: flags.kubeconfig });
  setClientRateLimit(kc, flags.kubeApiRateLimit);
  // The Lease's renewals never wait behind reconciles for a token; they share the connection.
  const leaseKc = withoutRateLimit(kc);
  let controller: Controller | undefined;
  let leading = false;
  const metrics = createChatCLIOperatorMetrics({ managedInstances: () => controller?.list(INSTANCES).length ?? 0 });
  setRequestObserver(kc, metrics.observeApiRequest);
  setRequestObserver(leaseKc, metrics.observeApiRequest);

  const metricsAddr = bindAddress('--metrics-bind-address', flags.metricsBindAddress);
  const healthAddr = bindAddress('--health-probe-bind-address', flags.healthProbeBindAddress);
  const servers = [
    ...(metricsAddr ? [await startMetricsServer({ registry: metrics.registry, ...metricsAddr })] : []),
    ...(healthAddr
      ? [await startHealthServer({
          ...healthAddr,
          // A standby replica is ready: it serves probes and waits for the Lease.
          ready: () => (flags.leaderElect && !leading) || controller?.hasSynced() === true || 'caches not synced yet',
        })]
      : []),
  ];
  log.info({
    metrics: servers[0]?.port, health: servers[1]?.port, leaderElect: flags.leaderElect,
    kubeconfig: kubeConfigSource({ kubeconfigPath: flags.kubeconfig }), server: kc.getCurrentCluster()?.server,
  }, 'starting');

  const shutdown = new AbortController();
  const onSignal = (signal: string) => {
    if (shutdown.signal.aborted) return;
    log.info({ signal }, 'shutting down: finishing in-flight reconciles');
    shutdown.abort();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  const managed = `${LABEL_MANAGED_BY}=${OPERATOR_NAME}`;
  const keyOfOwned = (obj: KubeObject): string | undefined => {
    const key = instanceKeyFromLabels(obj.metadata?.labels);
    return key && `${key.namespace}/${key.name}`;
  };

  // The reconciler reads whichever controller is current (one per leadership term).
  const currentCaches = {
    get: (...args: Parameters<Controller['get']>) => controller?.get(...args),
    list: (...args: Parameters<Controller['list']>) => controller?.list(...args) ?? [],
    listOwnedBy: (...args: Parameters<Controller['listOwnedBy']>) => controller?.listOwnedBy(...args) ?? [],
    lastResourceVersion: (...args: Parameters<Controller['lastResourceVersion']>) => controller?.lastResourceVersion(...args) ?? '',
    shape: (...args: Parameters<Controller['shape']>) => controller?.shape(...args) ?? args[1],
  };

  /**
   * One leadership term (or the whole run without leader election). `signal`
   * stops it gracefully; `lost` aborts every reconcile and Event write at once.
   */
  const runController = async (signal: AbortSignal, lost?: AbortSignal): Promise<void> => {
    leading = true;
    const events: EventRecorder = createEventRecorder({ kc, reportingController: `${GROUP}/${OPERATOR_NAME}`, log, signal: lost });
    // The CRDs the cluster may lack, looked for once per term: their kinds are watched, applied and pruned only if found.
    const ownedTypes = servedTypes(await discoverOptionalTypes(kc, log, signal));
    controller = startController({
      name: 'chatcliinstance',
      kc,
      primary: INSTANCES,
      primaryTransform: cacheShapeOf(INSTANCES, 'primary'),
      owned: [...ownedTypes, PODS].map((type) => ({ type, labelSelector: managed, keyOf: keyOfOwned, transform: cacheShapeOf(type, 'owned') })),
      // Only the namespaces that opted in are cached; one labelled or unlabelled
      // queues the instances whose watcher names it.
      watches: flags.watchNamespacePolicy === 'label'
        ? [{ type: Namespaces, labelSelector: WATCHABLE_NAMESPACES_SELECTOR, transform: cacheShapeOf(Namespaces, 'watched'), keysOf: (ns) => instancesNaming(ns.metadata?.name ?? '', (controller?.list(INSTANCES) ?? []) as ChatCLIInstance[]) }]
        : [],
      reconcile: createReconciler({
        kc,
        cache: currentCaches,
        watchNamespacePolicy: flags.watchNamespacePolicy,
        ownedTypes,
        events,
        log,
        onInstanceStatus: metrics.setInstanceReady,
      }),
      maxConcurrent: flags.maxConcurrentReconciles,
      resyncPeriodMs: flags.syncPeriodMs,
      log,
      metrics,
      signal,
      cancel: lost,
    });
    await controller.synced.then(
      () => log.info({ instances: controller?.list(INSTANCES).length }, 'caches synced, reconciling'),
      () => undefined,
    );
    await controller.done;
    if (!lost?.aborted) await events.flush();
  };
  let code = 0;
  try {
    if (flags.leaderElect) {
      metrics.setLeader(flags.leaderElectionId, false);
      const outcome = await runLeaderElection({
        kc: leaseKc,
        namespace: flags.leaderElectionNamespace,
        name: flags.leaderElectionId,
        leaseDurationMs: flags.leaseDurationMs,
        renewDeadlineMs: flags.renewDeadlineMs,
        retryPeriodMs: flags.retryPeriodMs,
        onStartedLeading: async (signal, lost) => {
          log.info({ lease: `${flags.leaderElectionNamespace}/${flags.leaderElectionId}` }, 'became leader');
          metrics.setLeader(flags.leaderElectionId, true);
          await runController(signal, lost);
        },
        onStoppedLeading: () => {
          leading = false;
          metrics.setLeader(flags.leaderElectionId, false);
        },
        log,
        signal: shutdown.signal,
      });
      // Like controller-runtime: leadership lost without being asked to stop is fatal,
      // so that a restarted process never acts on a stale view next to a new leader.
      if (outcome === 'lost') {
        log.error('leader election lost');
        code = 1;
        // Whatever is still open (a server's slow answer), the process ends now.
        setTimeout(() => process.exit(1), EXIT_AFTER_LOST_MS).unref();
      }
    } else {
      await runController(shutdown.signal);
    }
  } catch (err) {
    log.error({ err }, 'operator failed');
    code = 1;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    closeConnections(kc);
    closeConnections(leaseKc);
    log.info('stopped');
  }
  return code;
}

/**
 * Which optional kinds (types.ts OPTIONAL_TYPES: the Prometheus Operator's
 * ServiceMonitor) this API server serves, from its discovery document of each
 * group version. A group it does not know is a 404; any other failure is
 * retried a few times, then the kind is taken as absent (said in the log).
 */
export async function discoverOptionalTypes(kc: ClusterConfig, log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void }, signal?: AbortSignal): Promise<ResourceType[]> {
  const found: ResourceType[] = [];
  for (const type of OPTIONAL_TYPES) {
    for (let attempt = 1; ; attempt++) {
      try {
        const list = await request<{ resources?: { name: string }[] }>(kc, { method: 'GET', path: `/apis/${type.apiVersion}`, signal, timeoutMs: 10_000 });
        if (list.resources?.some((r) => r.name === type.plural)) found.push(type);
        break;
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) break;
        if (attempt >= 3 || signal?.aborted) {
          log.warn({ kind: type.kind, apiVersion: type.apiVersion, err: err instanceof Error ? err.message : String(err) }, 'could not tell whether the cluster serves this kind: taken as absent until the next leadership term');
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
      }
    }
  }
  log.info({ found: found.map((t) => `${t.kind}.${t.apiVersion}`), absent: OPTIONAL_TYPES.filter((t) => !found.includes(t)).map((t) => `${t.kind}.${t.apiVersion}`) }, 'optional kinds');
  return found;
}

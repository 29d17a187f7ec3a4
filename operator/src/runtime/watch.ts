// One watch request: a long GET whose body is a stream of JSON lines. This
// function only runs the stream until it ends; restarting, relisting and the
// cache are the informer's job.
import type { ClusterConfig } from './kubeconfig.ts';
import { ApiError, apiErrorFrom, describePath, openRequest, readBody, retryAfterSeconds, type ApiStatus, type KubeObject } from './kube.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

/** Nothing (no event, no bookmark, no byte) arrived for too long: the connection may be dead. */
export class WatchIdleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WatchIdleError';
  }
}

export interface WatchOptions {
  path: string;
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Asks the server to end the watch after this long (it then closes cleanly). */
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
  /** Abort the watch if nothing arrives for this long. */
  idleTimeoutMs: number;
  signal?: AbortSignal;
  /** Called once the server accepted the watch (HTTP 200). */
  onOpen?: () => void;
  onEvent: (event: WatchEvent) => void;
}

/**
 * Runs one watch until the server closes it (resolves) or it fails (rejects
 * with ApiError, including the 410 Expired that arrives as an ERROR event,
 * WatchIdleError, an abort error, or a network error).
 */
export async function watchOnce(kc: ClusterConfig, opts: WatchOptions): Promise<void> {
  const idle = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, idle.signal]) : idle.signal;
  let timer: NodeJS.Timeout | undefined;
  const armIdleTimer = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle.abort(new WatchIdleError(`watch ${describePath(opts.path)}: nothing received for ${opts.idleTimeoutMs} ms`));
    }, opts.idleTimeoutMs);
  };

  armIdleTimer();
  try {
    const res = await openRequest(kc, {
      method: 'GET',
      path: opts.path,
      query: {
        watch: 'true',
        resourceVersion: opts.resourceVersion,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        timeoutSeconds: opts.timeoutSeconds,
        allowWatchBookmarks: opts.allowWatchBookmarks,
      },
      ownConnection: true,
      signal,
    });
    const status = res.statusCode ?? 0;
    if (status !== 200) throw apiErrorFrom('WATCH', opts.path, status, await readBody(res), retryAfterSeconds(status, res.headers['retry-after']));
    opts.onOpen?.();
    armIdleTimer();

    res.setEncoding('utf8');
    let pending = '';
    for await (const chunk of res) {
      armIdleTimer();
      pending += chunk as string;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line) dispatchLine(opts, line);
      }
    }
    if (pending.trim()) dispatchLine(opts, pending.trim());
  } catch (err) {
    // An idle abort surfaces as a generic AbortError from node:http: say why.
    if (idle.signal.aborted && !opts.signal?.aborted) throw idle.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function dispatchLine(opts: WatchOptions, line: string): void {
  let event: { type?: string; object?: unknown };
  try {
    event = JSON.parse(line) as { type?: string; object?: unknown };
  } catch {
    throw new Error(`watch ${describePath(opts.path)}: undecodable line: ${line.slice(0, 200)}`);
  }
  if (event.type === 'ERROR') {
    const status = (event.object ?? {}) as ApiStatus;
    const code = status.code ?? 500;
    throw new ApiError(
      `WATCH ${describePath(opts.path)}: ${code} ${status.reason ?? 'Error'}: ${status.message ?? ''}`,
      code,
      status.reason ?? 'Error',
      status,
    );
  }
  if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED' || event.type === 'BOOKMARK') {
    opts.onEvent({ type: event.type, object: (event.object ?? {}) as KubeObject });
  }
}

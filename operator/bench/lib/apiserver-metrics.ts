// What the API server itself counted: apiserver_request_total from its /metrics,
// summed by verb and resource. A difference of two snapshots is what every
// client asked for in between.
import type { KubeConfig } from '@kubernetes/client-node';
import type { ControlPlane } from '../../hack/controlplane/controlplane.ts';
import { request, resourcePath } from '../../src/runtime/kube.ts';
import { Events } from '../../src/runtime/resources.ts';

/** "VERB resource[/subresource]" -> requests. */
export type RequestCounts = Record<string, number>;

export const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'DELETECOLLECTION', 'CREATE', 'UPDATE']);
// Writes the API server makes itself, left out of totals: it renews its identity
// Lease every 10 s (no operator here runs leader election), and it records an
// IPAddress for every ClusterIP it allocates to a Service someone created.
export const SERVER_OWN_RESOURCES = new Set(['leases', 'ipaddresses']);

export async function requestCounts(plane: ControlPlane): Promise<RequestCounts> {
  const text = await plane.kubectl(['get', '--raw=/metrics']);
  const counts: RequestCounts = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const label = (name: string) => new RegExp(`[{,]${name}="([^"]*)"`).exec(line)?.[1] ?? '';
    const resource = label('resource');
    if (!resource) continue; // /metrics, /readyz, discovery: not object traffic
    const sub = label('subresource');
    const key = `${label('verb')} ${sub ? `${resource}/${sub}` : resource}`;
    counts[key] = (counts[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return counts;
}

export function difference(after: RequestCounts, before: RequestCounts): RequestCounts {
  const diff: RequestCounts = {};
  for (const [key, n] of Object.entries(after)) {
    const d = n - (before[key] ?? 0);
    if (d > 0) diff[key] = d;
  }
  return Object.fromEntries(Object.entries(diff).sort(([a], [b]) => a.localeCompare(b)));
}

const verbOf = (key: string) => key.slice(0, key.indexOf(' '));
const resourceOf = (key: string) => key.slice(key.indexOf(' ') + 1).split('/')[0] ?? '';

/** Writes in a difference, without the API server's own Lease renewals. */
export function writes(diff: RequestCounts): number {
  return Object.entries(diff)
    .filter(([key]) => WRITE_VERBS.has(verbOf(key)) && !SERVER_OWN_RESOURCES.has(resourceOf(key)))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** Measures what clients asked of the API server while `during` ran. */
export async function countRequests<T>(plane: ControlPlane, during: () => Promise<T>): Promise<{ result: T; requests: RequestCounts }> {
  const before = await requestCounts(plane);
  const result = await during();
  return { result, requests: difference(await requestCounts(plane), before) };
}

// The API server's ClusterIP repair loop, racing fast Service creates, records an
// Event ("ClusterIPNotAllocated ... repairing") now and then: its write, not the
// operator's, though the counters cannot tell them apart.
const SERVER_EVENT_REPORTERS = new Set(['ipallocator-repair-controller', 'portallocator-repair-controller']);

/** How many Events the API server's own controllers have recorded so far. */
export async function serverEventCount(kc: KubeConfig): Promise<number> {
  const list = await request<{ items: { reportingController?: string }[] }>(kc, { method: 'GET', path: resourcePath(Events) });
  return list.items.filter((e) => SERVER_EVENT_REPORTERS.has(e.reportingController ?? '')).length;
}

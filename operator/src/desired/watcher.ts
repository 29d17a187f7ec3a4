// Which way the watcher is configured, decided once so that the env ConfigMap,
// the watch-config, the RBAC and the pod all agree.
//
// Decision (documented in SPEC terms): `targets` is the watch-config mode, the
// only one with a `<name>-watch-config` ConfigMap (SPEC table: "watcher enabled
// with targets"). The legacy single `deployment` is passed as the image's legacy
// CHATCLI_WATCH_* environment, exactly as the seed describes it, with no
// watch-config; its namespace defaults to the instance's namespace (the image
// itself would fall back to "default"). When both are given, `targets` wins. An
// enabled watcher with neither (the CRD refuses it) is treated as off.
import type { DefaultedSpec, WatchTargetSpec } from '../api/chatcliinstance.ts';
import { TARGET_KINDS, type TargetKind } from './chatcli.ts';

export type WatchMode =
  | { kind: 'off' }
  | { kind: 'targets'; targets: WatchTargetSpec[] }
  | { kind: 'legacy'; deployment: string; namespace: string };

export function watchMode(spec: DefaultedSpec, instanceNamespace: string): WatchMode {
  const w = spec.watcher;
  if (!w.enabled) return { kind: 'off' };
  if (w.targets && w.targets.length > 0) return { kind: 'targets', targets: w.targets };
  if (w.deployment) return { kind: 'legacy', deployment: w.deployment, namespace: w.namespace || instanceNamespace };
  return { kind: 'off' };
}

/** The namespaces the watcher reads, sorted and without duplicates. */
export function watchedNamespaces(mode: WatchMode): string[] {
  switch (mode.kind) {
    case 'off':
      return [];
    case 'legacy':
      return [mode.namespace];
    case 'targets':
      return [...new Set(mode.targets.map((t) => t.namespace))].sort();
  }
}

/** The kinds of the targets in each watched namespace (the legacy deployment is a Deployment), in TARGET_KINDS order. */
export function watchedKinds(mode: WatchMode): Map<string, TargetKind[]> {
  const found = new Map<string, Set<TargetKind>>();
  const add = (namespace: string, kind: TargetKind) => found.set(namespace, (found.get(namespace) ?? new Set<TargetKind>()).add(kind));
  if (mode.kind === 'legacy') add(mode.namespace, 'Deployment');
  if (mode.kind === 'targets') for (const t of mode.targets) add(t.namespace, targetKind(t));
  return new Map([...found].map(([ns, kinds]) => [ns, TARGET_KINDS.filter((k) => kinds.has(k))]));
}

/** A target's kind; Deployment when the stored spec predates the field. */
export function targetKind(t: WatchTargetSpec): TargetKind {
  return t.kind ?? 'Deployment';
}

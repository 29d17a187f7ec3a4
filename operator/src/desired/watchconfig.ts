// The `<name>-watch-config` ConfigMap: the image's multi-target watch-config
// YAML (top-level interval, window, maxLogLines, maxContextChars, targets;
// ChatCLI k8s/config.go reads it with yaml.v3 into k8s/types.go WatchTarget),
// made with the yaml library with every string value double-quoted, so a YAML
// 1.1 reader gets the same strings as a YAML 1.2 one (an unquoted namespace
// `yes`, `on` or `no` is a boolean in YAML 1.1). A target's `kind` is written
// only when it is not a Deployment, which is what both releases assume without
// one (v1.57.1 reads no `kind`; v1.188.0 k8s/types.go WatchTarget.ResourceKind),
// so every instance made before the field renders byte for byte as it did.
// Only the `targets` mode has one (see watcher.ts).
import { parse, stringify } from 'yaml';
import type { DefaultedChatCLIInstance } from '../api/chatcliinstance.ts';
import { TARGET_KINDS, type TargetKind } from './chatcli.ts';
import { WATCH_CONFIG_KEY, watchConfigMapName } from './names.ts';
import { ownedMeta, type KubeObject } from './object.ts';
import { targetKind, watchMode } from './watcher.ts';

export interface WatchConfigTarget {
  deployment: string;
  namespace: string;
  /** Absent: Deployment. */
  kind?: Exclude<TargetKind, 'Deployment'>;
  metricsPort: number;
  metricsPath: string;
  metricsFilter?: string[];
}

export interface WatchConfig {
  interval: string;
  window: string;
  maxLogLines: number;
  maxContextChars: number;
  targets: WatchConfigTarget[];
}

/** The watch-config of an instance, or undefined when it has none. */
export function watchConfigOf(instance: DefaultedChatCLIInstance): WatchConfig | undefined {
  const mode = watchMode(instance.spec, instance.metadata.namespace);
  if (mode.kind !== 'targets') return undefined;
  const w = instance.spec.watcher;
  return {
    interval: w.interval,
    window: w.window,
    maxLogLines: w.maxLogLines,
    maxContextChars: w.maxContextChars,
    targets: mode.targets.map((t) => {
      const kind = targetKind(t);
      return {
        deployment: t.deployment,
        namespace: t.namespace,
        ...(kind !== 'Deployment' ? { kind } : {}),
        metricsPort: t.metricsPort,
        metricsPath: t.metricsPath,
        ...(t.metricsFilter && t.metricsFilter.length > 0 ? { metricsFilter: [...t.metricsFilter] } : {}),
      };
    }),
  };
}

export function renderWatchConfig(config: WatchConfig): string {
  // lineWidth 0: never fold a long value over two lines. Keys stay plain: they
  // are fixed identifiers, the same in every YAML version.
  return stringify(config, { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
}

/** Reads a watch-config YAML back; throws an Error naming the offending field. */
export function parseWatchConfig(text: string): WatchConfig {
  const doc: unknown = parse(text);
  const top = asRecord(doc, 'watch-config');
  const targetsRaw = top.targets;
  if (!Array.isArray(targetsRaw)) throw new Error('watch-config: targets must be a list');
  return {
    interval: str(top.interval, 'interval'),
    window: str(top.window, 'window'),
    maxLogLines: int(top.maxLogLines, 'maxLogLines'),
    maxContextChars: int(top.maxContextChars, 'maxContextChars'),
    targets: targetsRaw.map((raw: unknown, i) => {
      const at = `targets[${i}]`;
      const t = asRecord(raw, at);
      const filter = t.metricsFilter;
      if (filter !== undefined && !(Array.isArray(filter) && filter.every((f) => typeof f === 'string'))) {
        throw new Error(`watch-config: ${at}.metricsFilter must be a list of strings`);
      }
      const kind = t.kind === undefined ? undefined : str(t.kind, `${at}.kind`);
      if (kind !== undefined && (kind === 'Deployment' || !(TARGET_KINDS as readonly string[]).includes(kind))) {
        throw new Error(`watch-config: ${at}.kind must be one of ${TARGET_KINDS.slice(1).join(', ')} (absent: Deployment)`);
      }
      return {
        deployment: str(t.deployment, `${at}.deployment`),
        namespace: str(t.namespace, `${at}.namespace`),
        ...(kind !== undefined ? { kind: kind as Exclude<TargetKind, 'Deployment'> } : {}),
        metricsPort: int(t.metricsPort, `${at}.metricsPort`),
        metricsPath: str(t.metricsPath, `${at}.metricsPath`),
        ...(filter !== undefined ? { metricsFilter: filter as string[] } : {}),
      };
    }),
  };
}

export function desiredWatchConfigMap(instance: DefaultedChatCLIInstance, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: ownedMeta(instance.metadata, watchConfigMapName(instance.metadata), instance.metadata.namespace),
    data,
  };
}

/** The data of the watch-config ConfigMap, or undefined when there is none. */
export function watchConfigData(instance: DefaultedChatCLIInstance): Record<string, string> | undefined {
  const config = watchConfigOf(instance);
  return config ? { [WATCH_CONFIG_KEY]: renderWatchConfig(config) } : undefined;
}

function asRecord(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`watch-config: ${at} must be a mapping`);
  return v as Record<string, unknown>;
}
function str(v: unknown, at: string): string {
  if (typeof v !== 'string') throw new Error(`watch-config: ${at} must be a string`);
  return v;
}
function int(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`watch-config: ${at} must be an integer`);
  return v;
}

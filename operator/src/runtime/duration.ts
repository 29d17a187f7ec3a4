// Durations as Kubernetes components write them on their command lines (Go's
// time.ParseDuration): "10h", "1h30m", "15s", "500ms", "1.5s".

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a Go-style duration; throws on anything else (a bare number included). */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const part = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;
  let total = 0;
  let at = 0;
  while (at < trimmed.length) {
    part.lastIndex = at;
    const m = part.exec(trimmed);
    if (!m) throw new Error(`"${text}" is not a duration (examples: 10h, 1h30m, 15s, 500ms)`);
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = part.lastIndex;
  }
  if (at === 0) throw new Error(`"${text}" is not a duration (examples: 10h, 1h30m, 15s, 500ms)`);
  return total;
}

/** The shortest Go-style text for whole milliseconds: 36000000 -> "10h", 1500 -> "1.5s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1_000) return `${ms}ms`;
  let rest = ms;
  let out = '';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  if (rest > 0) out += `${rest / 1_000}s`;
  return out;
}

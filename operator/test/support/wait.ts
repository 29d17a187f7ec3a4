// Waiting in tests: poll until something holds, with a deadline that names what
// was awaited.

/** Polls `check` until it returns true; fails after the timeout naming `what` (and the last error). */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
      if (err instanceof Error && /operator exited/.test(err.message)) throw err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Retries `check` until it stops throwing and returns its value, or rethrows its last error after the timeout. */
export async function retrying<T>(check: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

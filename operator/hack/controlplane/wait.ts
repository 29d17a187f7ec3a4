// Waiting on an object's fields with the pinned kubectl. `kubectl wait
// --for=condition=...` gives up at once ("accessor error: <nil>") on an object
// that has no status yet, as a CRD has for a moment after it is created; these
// helpers poll instead, so an object with no status is simply not there yet.

type Kubectl = (args: string[], input?: string) => Promise<string>;

/**
 * Polls `kubectl get <args> -o jsonpath=<path>` until it prints `expected`.
 * A missing object, a missing field or a failing kubectl all count as "not yet";
 * the error names what was awaited and the last value or error seen.
 */
export async function waitForJsonPath(kubectl: Kubectl, target: string[], path: string, expected: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const got = (await kubectl(['get', ...target, '-o', `jsonpath=${path}`])).trim();
      if (got === expected) return;
      last = `got ${JSON.stringify(got)}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${target.join(' ')} ${path} = ${expected} (${last})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until the object's condition `type` has status True. */
export async function waitForCondition(kubectl: Kubectl, target: string[], type: string, timeoutMs = 60_000): Promise<void> {
  await waitForJsonPath(kubectl, target, `{.status.conditions[?(@.type=="${type}")].status}`, 'True', timeoutMs);
}

/** Waits until a CustomResourceDefinition is Established (its API is served). */
export async function waitForCrd(kubectl: Kubectl, name: string, timeoutMs = 60_000): Promise<void> {
  await waitForCondition(kubectl, ['crd', name], 'Established', timeoutMs);
}

// Instances stored before a validation rule existed: for a moment the CRD
// checks nothing in the spec (x-kubernetes-preserve-unknown-fields), the
// instances are created, then the real CRD is put back. etcd keeps them as
// they were; the API server checks only what is written from then on.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { ControlPlane } from '../../hack/controlplane/controlplane.ts';
import { waitForCrd } from '../../hack/controlplane/wait.ts';
import { CRD_FILE } from './operator.ts';

const CRD_NAME = 'chatcliinstances.chatcli.diillson.com';
type Crd = { spec: { versions: { schema: { openAPIV3Schema: { properties: Record<string, unknown> } } }[] } };

/** Creates `instances` (JSON objects) with the spec unchecked; resolves once the real CRD refuses the first of them again. */
export async function storeUnchecked(plane: ControlPlane, instances: object[]): Promise<void> {
  const crd = parse(await readFile(CRD_FILE, 'utf8')) as Crd;
  const permissive = structuredClone(crd);
  for (const v of permissive.spec.versions) v.schema.openAPIV3Schema.properties.spec = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const apply = async (o: Crd) => {
    await plane.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], JSON.stringify(o));
    await waitForCrd(plane.kubectl, CRD_NAME);
  };
  await apply(permissive);
  try {
    for (const instance of instances) {
      // A moment after the CRD changed, the previous schema may still answer: retry.
      await until(async () => {
        const out = await plane.kubectl(['create', '-o', 'name', '-f', '-'], JSON.stringify(instance)).catch((err: Error) => err.message);
        return out.includes('created') || out.startsWith('chatcliinstance') || out.includes('AlreadyExists');
      });
    }
  } finally {
    await apply(crd);
  }
  // The real schema is back when a dry-run create of the same object is refused.
  const [first] = instances;
  if (!first) return;
  const probe = { ...first, metadata: { ...(first as { metadata: object }).metadata, name: 'unchecked-probe' } };
  await until(async () => {
    const out = await plane.kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], JSON.stringify(probe)).catch((err: Error) => err.message);
    return /is invalid/.test(out);
  });
}

async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('storeUnchecked: timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}

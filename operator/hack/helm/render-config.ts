// `npm run manifests` (second half): operator/config/{rbac,manager,policy} are
// rendered from the chart with default values, so the chart is the one source
// of the operator's RBAC, Deployment, metrics Service and admission policy.
// A chart test fails when a committed file differs from what this writes.
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHART_DIR, RELEASE_NAME, RELEASE_NAMESPACE, helmRunner, type Helm } from './helm.ts';
import { CHART_CRD_TEMPLATE } from '../../src/api/crd.ts';

const operatorDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Each config file and the chart templates it is rendered from, in this order. */
export const CONFIG_FROM_CHART: readonly { file: string; templates: readonly string[] }[] = [
  { file: 'config/rbac/role.yaml', templates: ['rbac.yaml'] },
  { file: 'config/manager/manager.yaml', templates: ['deployment.yaml', 'metrics-service.yaml', 'poddisruptionbudget.yaml'] },
  { file: 'config/policy/watcher-targets.yaml', templates: ['admission-policy.yaml'] },
];

// kubectl and kustomize users get the namespace from config/rbac/role.yaml (so
// that the seed's three `kubectl apply -f` work in that order); Helm creates
// none (`helm install --create-namespace`), since a release must not own the
// namespace it lives in.
const NAMESPACE = `# The operator's namespace (not in the chart: helm install --create-namespace),
# with Pod Security "restricted" enforced.
apiVersion: v1
kind: Namespace
metadata:
  name: ${RELEASE_NAMESPACE}
  labels:
    app.kubernetes.io/name: chatcli-operator
    pod-security.kubernetes.io/enforce: restricted
`;

/** The config files' contents, from `helm template` of the chart with default values. */
export async function renderConfig(helm: Helm): Promise<Map<string, string>> {
  // No `helm test` pod: it is Helm's, kubectl users have no `helm test`.
  const out = await helm(['template', RELEASE_NAME, CHART_DIR, '--namespace', RELEASE_NAMESPACE, '--skip-crds', '--skip-tests']);
  const bySource = new Map<string, string[]>();
  for (const doc of out.split(/^---\n/m).filter((d) => d.trim() !== '')) {
    const source = /^# Source: chatcli-operator\/templates\/(\S+)\n/.exec(doc);
    if (!source) throw new Error(`helm template: a document without a "# Source:" line:\n${doc}`);
    bySource.set(source[1]!, [...(bySource.get(source[1]!) ?? []), doc.slice(source[0].length)]);
  }
  const files = new Map<string, string>();
  for (const { file, templates } of CONFIG_FROM_CHART) {
    const docs = templates.flatMap((t) => bySource.get(t) ?? []);
    templates.forEach((t) => bySource.delete(t));
    if (file === 'config/rbac/role.yaml') docs.unshift(NAMESPACE);
    const from = templates.length === 1 ? templates[0] : `{${templates.join(',')}}`;
    const header = `# Generated from charts/chatcli-operator/templates/${from} with default values\n`
      + '# (helm template) by `npm run manifests`. Edit the chart, not this file.\n';
    files.set(file, header + docs.map((d) => d.replace(/\n*$/, '\n')).join('---\n'));
  }
  // The CRD template and config/crd/bases are both written from src/api (generate-crd.ts).
  bySource.delete(basename(CHART_CRD_TEMPLATE));
  if (bySource.size > 0) throw new Error(`chart templates rendered with default values but not mapped to a config file: ${[...bySource.keys()].join(', ')}`);
  return files;
}

if (import.meta.main) {
  const files = await renderConfig(await helmRunner((l) => console.error(l)));
  for (const [file, text] of files) {
    await mkdir(dirname(join(operatorDir, file)), { recursive: true });
    await writeFile(join(operatorDir, file), text);
    console.log(`wrote ${file}`);
  }
}

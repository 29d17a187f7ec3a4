// The CustomResourceDefinition of ChatCLIInstance, produced from the TypeBox
// schema (chatcliinstance.ts). `npm run manifests` writes it to
// config/crd/bases and to the Helm chart's crds/ (generate-crd.ts); a unit test
// fails when either file is stale.
import { stringify } from 'yaml';
import { ChatCLIInstanceSchema, CRD_NAME, GROUP, KIND, LIST_KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from './chatcliinstance.ts';
import { toStructural } from './structural.ts';

/** Where the generated CRD lives, relative to the operator package. */
export const CRD_FILE = 'config/crd/bases/chatcli.diillson.com_chatcliinstances.yaml';
/** The same CRD in the Helm chart (Helm installs crds/ before the templates). */
export const CHART_CRD_FILE = '../charts/chatcli-operator/crds/chatcli.diillson.com_chatcliinstances.yaml';

export function crdManifest() {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME },
    spec: {
      group: GROUP,
      names: { kind: KIND, listKind: LIST_KIND, plural: PLURAL, singular: SINGULAR, shortNames: [...SHORT_NAMES] },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Ready', type: 'boolean', jsonPath: '.status.ready', description: 'The instance serves: Available is True (see the Available condition).' },
            { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas', description: 'Replicas of the Deployment.' },
            { name: 'Provider', type: 'string', jsonPath: '.spec.provider', description: 'LLM provider.' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema: toStructural(ChatCLIInstanceSchema) },
        },
      ],
    },
  };
}

/** The CRD as written to `file` (CRD_FILE or CHART_CRD_FILE), under a "generated from" line. */
export function crdYaml(file: string = CRD_FILE): string {
  const source = file === CHART_CRD_FILE ? 'operator/src/api/chatcliinstance.ts' : 'src/api/chatcliinstance.ts';
  const header = `# Generated from ${source} by \`npm run manifests\`. Do not edit.\n`;
  return header + stringify(crdManifest(), { lineWidth: 0 });
}

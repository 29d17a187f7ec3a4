// The CustomResourceDefinition of ChatCLIInstance, produced from the TypeBox
// schema (chatcliinstance.ts). `npm run manifests` writes it to
// config/crd/bases and, wrapped in the chart's crds.enabled/crds.keep, to a
// template of the Helm chart (generate-crd.ts); a unit test fails when either
// file is stale.
import { stringify } from 'yaml';
import { ChatCLIInstanceSchema, CRD_NAME, GROUP, KIND, LIST_KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from './chatcliinstance.ts';
import { toStructural } from './structural.ts';

/** Where the generated CRD lives, relative to the operator package. */
export const CRD_FILE = 'config/crd/bases/chatcli.diillson.com_chatcliinstances.yaml';
/**
 * The same CRD as a template of the Helm chart, not in its crds/: Helm installs
 * crds/ once and never upgrades it, while a template is upgraded with the release
 * (cert-manager's `crds.enabled`/`crds.keep`).
 */
export const CHART_CRD_TEMPLATE = '../charts/chatcli-operator/templates/crd-chatcliinstances.yaml';

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

/** The CRD as written to CRD_FILE, under a "generated from" line. */
export function crdYaml(): string {
  return '# Generated from src/api/chatcliinstance.ts by `npm run manifests`. Do not edit.\n'
    + stringify(crdManifest(), { lineWidth: 0 });
}

/**
 * The chart's CRD template: the same manifest, rendered only when crds.enabled,
 * with the chart's labels and commonLabels/commonAnnotations, and
 * `helm.sh/resource-policy: keep` when crds.keep (so `helm uninstall` never
 * deletes the CRD, and with it every ChatCLIInstance). Text that Helm would take
 * for a template action is escaped, so the rendered CRD is CRD_FILE's.
 */
export function chartCrdTemplate(): string {
  const { apiVersion, kind, metadata, spec } = crdManifest();
  const body = stringify({ spec }, { lineWidth: 0 }).replaceAll('{{', '{{ "{{" }}');
  return [
    '{{- /* Generated from operator/src/api/chatcliinstance.ts by `npm run manifests`. Do not edit. */}}',
    '{{- if .Values.crds.enabled }}',
    `apiVersion: ${apiVersion}`,
    `kind: ${kind}`,
    'metadata:',
    `  name: ${metadata.name}`,
    '  {{- $keep := ternary (dict "helm.sh/resource-policy" "keep") dict .Values.crds.keep }}',
    '  {{- include "chatcli-operator.metadata" (dict "root" $ "annotations" $keep) | nindent 2 }}',
    body.trimEnd(),
    '{{- end }}',
    '',
  ].join('\n');
}

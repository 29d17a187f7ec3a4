{{/*
The operator's name: every object of the chart is called this (or starts with
it). Fixed, not derived from the release name: one release per cluster, since
the CRD, the ClusterRole and the admission policy are cluster-wide.
*/}}
{{- define "chatcli-operator.name" -}}
chatcli-operator
{{- end }}

{{/* The labels the Deployment selects its pods by. A selector never changes. */}}
{{- define "chatcli-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chatcli-operator.name" . }}
{{- end }}

{{/*
metadata.labels and metadata.annotations of every object: ours win over the
object's extra labels (a ServiceMonitor's), which win over commonLabels.
Call with (dict "root" $ "labels" extraLabels "annotations" extraAnnotations).
*/}}
{{- define "chatcli-operator.metadata" -}}
{{- $root := .root -}}
{{- $own := dict "app.kubernetes.io/name" (include "chatcli-operator.name" $root) "app.kubernetes.io/instance" $root.Release.Name "app.kubernetes.io/version" $root.Chart.AppVersion -}}
labels:
  {{- toYaml (merge $own (.labels | default dict) $root.Values.commonLabels) | nindent 2 }}
{{- with merge (dict) (.annotations | default dict) $root.Values.commonAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The manager's image: the tag defaults to the chart's appVersion. */}}
{{- define "chatcli-operator.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

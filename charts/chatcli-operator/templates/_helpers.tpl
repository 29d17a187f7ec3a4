{{/*
The operator's name: every object of the chart is called this (or starts with
it), fullnameOverride or else nameOverride or else chatcli-operator. Not derived
from the release name: one release per cluster, since the CRD, the ClusterRole
and the admission policy are cluster-wide.
*/}}
{{- define "chatcli-operator.name" -}}
{{- .Values.fullnameOverride | default .Values.nameOverride | default "chatcli-operator" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The app.kubernetes.io/name label: nameOverride or chatcli-operator. */}}
{{- define "chatcli-operator.appName" -}}
{{- .Values.nameOverride | default "chatcli-operator" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The metrics Service: also the `job` label Prometheus gives the operator's series through the ServiceMonitor. */}}
{{- define "chatcli-operator.metricsServiceName" -}}
{{ include "chatcli-operator.name" . }}-metrics
{{- end }}

{{/* The namespace of every namespaced object: namespaceOverride or the release's. */}}
{{- define "chatcli-operator.namespace" -}}
{{- .Values.namespaceOverride | default .Release.Namespace }}
{{- end }}

{{/* The operator's ServiceAccount: its own, or serviceAccount.name (which must exist when serviceAccount.create is false). */}}
{{- define "chatcli-operator.serviceAccountName" -}}
{{- .Values.serviceAccount.name | default (include "chatcli-operator.name" .) }}
{{- end }}

{{/*
The labels the Deployment selects its pods by. A selector never changes: a new
nameOverride on an existing release needs the Deployment deleted first.
*/}}
{{- define "chatcli-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chatcli-operator.appName" . }}
{{- end }}

{{/*
metadata.labels and metadata.annotations of every object: ours win over the
object's extra labels (a ServiceMonitor's), which win over commonLabels.
Call with (dict "root" $ "labels" extraLabels "annotations" extraAnnotations).
*/}}
{{- define "chatcli-operator.metadata" -}}
{{- $root := .root -}}
{{- $own := dict "app.kubernetes.io/name" (include "chatcli-operator.appName" $root) "app.kubernetes.io/instance" $root.Release.Name "app.kubernetes.io/version" $root.Chart.AppVersion -}}
labels:
  {{- toYaml (merge $own (.labels | default dict) $root.Values.commonLabels) | nindent 2 }}
{{- with merge (dict) (.annotations | default dict) $root.Values.commonAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The manager's image: repository@digest when image.digest is set (the tag is then
ignored), else repository:tag, the tag defaulting to the chart's appVersion.
*/}}
{{- define "chatcli-operator.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}
{{- end }}

{{/* The chart's name, or nameOverride. */}}
{{- define "netfence.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The full name of the release's objects: RELEASE-netfence, or RELEASE when it already says netfence. */}}
{{- define "netfence.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels every object carries. */}}
{{- define "netfence.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "netfence.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Labels that select netfence's pods. */}}
{{- define "netfence.selectorLabels" -}}
app.kubernetes.io/name: {{ include "netfence.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The Secret with the serving certificate. */}}
{{- define "netfence.secretName" -}}
{{- default (printf "%s-tls" (include "netfence.fullname" .)) .Values.certificates.secretName -}}
{{- end -}}

{{/* netfence's configuration as YAML: the chart's own settings, then .Values.config over them. The
     webhooks read it too, so what they register always follows what netfence is told to do. */}}
{{- define "netfence.config" -}}
{{- $serviceAccount := printf "system:serviceaccount:%s:%s" .Release.Namespace (include "netfence.fullname" .) -}}
{{- $base := dict
  "namespace" .Release.Namespace
  "mode" .Values.mode
  "provisioningGate" .Values.provisioningGate.enabled
  "adoptExisting" .Values.adoptExisting
  "remediation" (dict "essentialEgress" .Values.remediation.essentialEgress)
  "exempt" (dict "namespaces" .Values.webhook.excludeNamespaces)
  "privileged" (dict "users" (list $serviceAccount) "groups" (list "system:masters")) -}}
{{- $config := mergeOverwrite $base (deepCopy .Values.config) -}}
{{- /* Namespaces the webhooks never see are never provisioned either, whatever config.exempt lists:
       a default-deny pushed into kube-system would take the cluster down. */}}
{{- $userExempt := dig "exempt" "namespaces" (list) .Values.config -}}
{{- $_ := set $config.exempt "namespaces" (concat .Values.webhook.excludeNamespaces $userExempt | uniq) -}}
{{- toYaml $config -}}
{{- end -}}

{{/* failurePolicy of the NetworkPolicy and Namespace webhooks: Fail when enforcing, else Ignore. */}}
{{- define "netfence.failurePolicy" -}}
{{- if .Values.webhook.failurePolicy -}}
{{- .Values.webhook.failurePolicy -}}
{{- else if eq .Values.mode "enforce" -}}
Fail
{{- else -}}
Ignore
{{- end -}}
{{- end -}}

{{/* Namespaces netfence never intercepts: the configured ones and its own. */}}
{{- define "netfence.excludedNamespaces" -}}
{{- $excluded := concat .Values.webhook.excludeNamespaces (list .Release.Namespace) | uniq -}}
{{- toJson $excluded -}}
{{- end -}}

{{/* namespaceSelector leaving out the excluded namespaces. */}}
{{- define "netfence.namespaceSelector" -}}
namespaceSelector:
  matchExpressions:
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values: {{ include "netfence.excludedNamespaces" . }}
{{- end -}}

{{/* clientConfig pointing at netfence's Service, with the caBundle where the chart knows it. */}}
{{- define "netfence.clientConfig" -}}
{{- $root := index . 0 -}}
{{- $path := index . 1 -}}
clientConfig:
  service:
    name: {{ include "netfence.fullname" $root }}
    namespace: {{ $root.Release.Namespace }}
    path: {{ $path }}
    port: {{ $root.Values.service.port }}
  {{- if eq $root.Values.certificates.mode "secret" }}
  caBundle: {{ required "certificates.caBundle is required when certificates.mode is secret" $root.Values.certificates.caBundle }}
  {{- else if eq $root.Values.certificates.mode "self-managed" }}
  {{- /* Keep the caBundle netfence wrote, so an upgrade does not empty it (lookup is empty in `helm template`). */}}
  {{- $existing := lookup "admissionregistration.k8s.io/v1" "ValidatingWebhookConfiguration" "" (include "netfence.fullname" $root) }}
  {{- $caBundle := "" }}
  {{- if $existing }}
  {{- range $existing.webhooks }}{{ if .clientConfig.caBundle }}{{ $caBundle = .clientConfig.caBundle }}{{ end }}{{ end }}
  {{- end }}
  {{- if $caBundle }}
  caBundle: {{ $caBundle }}
  {{- end }}
  {{- end }}
{{- end -}}

{{/* matchConditions skipping the namespace controller's deletions (Kubernetes 1.28+). */}}
{{- define "netfence.matchConditions" -}}
{{- if and .Values.webhook.matchConditions (semverCompare ">=1.28-0" .Capabilities.KubeVersion.Version) -}}
matchConditions:
- name: not-namespace-controller
  expression: "request.userInfo.username != 'system:serviceaccount:kube-system:namespace-controller'"
{{- end -}}
{{- end -}}

{{/* Node's heap limit: three quarters of the memory limit (Mi or Gi), so V8 collects before the kernel kills. */}}
{{- define "netfence.heapMiB" -}}
{{- $limit := toString (dig "limits" "memory" "512Mi" .Values.resources) -}}
{{- $mib := 512 -}}
{{- if hasSuffix "Gi" $limit -}}
{{- $mib = mul (trimSuffix "Gi" $limit | int) 1024 -}}
{{- else if hasSuffix "Mi" $limit -}}
{{- $mib = trimSuffix "Mi" $limit | int -}}
{{- end -}}
{{- div (mul $mib 3) 4 -}}
{{- end -}}

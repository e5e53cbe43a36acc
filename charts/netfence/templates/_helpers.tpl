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
  "intents" (dict "controller" .Values.intents.controller)
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

{{/* The schema of ClientIntents v2beta1 and v2alpha1 (one shape): spec.workload, the client in the
     object's namespace, and spec.targets, each naming exactly one kind of server. The parts that
     have nothing to do with the network (kafka topics, SQL privileges, cloud permissions) are kept
     as written. */}}
{{- define "netfence.clientIntentsSchema" -}}
description: ClientIntents declares the servers a client workload calls; netfence keeps the NetworkPolicies that allow exactly those calls.
type: object
properties:
  apiVersion:
    type: string
  kind:
    type: string
  metadata:
    type: object
  spec:
    description: The client and the servers it calls.
    type: object
    required: [workload, targets]
    properties:
      workload:
        description: The calling workload, in the ClientIntents' namespace.
        type: object
        required: [name]
        properties:
          name:
            type: string
          kind:
            description: Deployment, StatefulSet, DaemonSet, ...; any workload kind with that name when left out.
            type: string
      targets:
        description: The servers the client calls; each names exactly one kind of target.
        type: array
        items:
          type: object
          minProperties: 1
          maxProperties: 1
          properties:
            kubernetes:
              description: A workload (or, with kind Service, a Service), as NAME or NAME.NAMESPACE.
              type: object
              required: [name]
              properties:
                name:
                  type: string
                kind:
                  type: string
                http:
                  {{- include "netfence.clientIntentsHttp" . | nindent 18 }}
            service:
              description: A Service, as NAME or NAME.NAMESPACE.
              type: object
              required: [name]
              properties:
                name:
                  type: string
                http:
                  {{- include "netfence.clientIntentsHttp" . | nindent 18 }}
            internet:
              description: Addresses outside the cluster, on ports (every port when none are listed).
              type: object
              properties:
                ips:
                  type: array
                  items:
                    type: string
                domains:
                  type: array
                  items:
                    type: string
                ports:
                  type: array
                  items:
                    type: integer
            kafka:
              type: object
              required: [name]
              properties:
                name:
                  type: string
                topics:
                  type: array
                  items:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
            sql:
              type: object
              required: [name]
              properties:
                name:
                  type: string
                privileges:
                  type: array
                  items:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
            aws:
              type: object
              x-kubernetes-preserve-unknown-fields: true
            gcp:
              type: object
              x-kubernetes-preserve-unknown-fields: true
            azure:
              type: object
              x-kubernetes-preserve-unknown-fields: true
  status:
    type: object
    properties:
      observedGeneration:
        type: integer
        format: int64
      upToDate:
        type: boolean
      resolvedIPs:
        type: array
        items:
          type: object
          properties:
            dns:
              type: string
            ips:
              type: array
              items:
                type: string
{{- end -}}

{{/* An HTTP target's resources: paths and methods (NetworkPolicies cannot see them; kept as written). */}}
{{- define "netfence.clientIntentsHttp" -}}
type: array
items:
  type: object
  required: [path]
  properties:
    path:
      type: string
    methods:
      type: array
      items:
        type: string
{{- end -}}

{{/* "true" when netfence is the intents controller: the rendered config's intents.controller (the
     chart value, or config.intents.controller over it), else empty. */}}
{{- define "netfence.intentsController" -}}
{{- $config := include "netfence.config" . | fromYaml -}}
{{- if dig "intents" "controller" true $config -}}true{{- end -}}
{{- end -}}

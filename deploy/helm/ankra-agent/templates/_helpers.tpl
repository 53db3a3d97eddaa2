{{/*
Object names are fixed to "ankra-agent": the documented kubectl commands
(kubectl get secret ankra-agent, port-forward svc/ankra-agent, get deployment ankra-agent)
rely on them. The release name only shows up in the app.kubernetes.io/instance label.
*/}}
{{- define "ankra-agent.name" -}}
ankra-agent
{{- end -}}

{{- define "ankra-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ankra-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ankra-agent.labels" -}}
{{ include "ankra-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/* The Secret the token is read from: the user's existing one, or the one this chart creates. */}}
{{- define "ankra-agent.secretName" -}}
{{- if .Values.config.existing_secret_name -}}
{{- .Values.config.existing_secret_name -}}
{{- else -}}
{{- include "ankra-agent.name" . -}}
{{- end -}}
{{- end -}}

{{/* Key of the token inside that Secret: config.secret_key for an existing Secret ("token" when empty), always "token" for ours. */}}
{{- define "ankra-agent.secretKey" -}}
{{- if .Values.config.existing_secret_name -}}
{{- .Values.config.secret_key | default "token" -}}
{{- else -}}
token
{{- end -}}
{{- end -}}

{{/*
ClusterRoleBinding is cluster-scoped: include the namespace so installs in two namespaces
don't fight over one binding (the second install would otherwise fail on ownership).
*/}}
{{- define "ankra-agent.clusterRoleBindingName" -}}
{{- printf "%s-%s" (include "ankra-agent.name" .) .Release.Namespace | trunc 253 -}}
{{- end -}}

{{- define "ankra-agent.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) -}}
{{- end -}}

{{- define "ankra-agent.validate" -}}
{{- if and (not .Values.config.token) (not .Values.config.existing_secret_name) -}}
{{- fail "set config.token (inline token) or config.existing_secret_name (Secret holding the token)" -}}
{{- end -}}
{{- end -}}

{{/*
Values beyond the main page's table. `helm upgrade --reuse-values` (the documented upgrade, also
used by the platform's self-upgrade) renders with the *previous* chart's values.yaml, which may not
have these keys; fall back to the same defaults as values.yaml instead of failing on a nil map or
dropping the restricted security context.
*/}}
{{- define "ankra-agent.imagePullPolicy" -}}
{{- dig "image" "pull_policy" "Always" .Values.AsMap -}}
{{- end -}}

{{- define "ankra-agent.serviceAccountName" -}}
{{- dig "service_account" "name" "ankra-agent-sa" .Values.AsMap -}}
{{- end -}}

{{- define "ankra-agent.servicePort" -}}
{{- dig "service" "port" 8080 .Values.AsMap | int -}}
{{- end -}}

{{- define "ankra-agent.writableVolumesEnabled" -}}
{{- dig "writable_volumes" "enabled" true .Values.AsMap -}}
{{- end -}}

{{/* sizeLimit of one writable emptyDir: (list . "tmp" "1Gi"). */}}
{{- define "ankra-agent.writableVolumeSizeLimit" -}}
{{- $root := index . 0 -}}
{{- dig "writable_volumes" (printf "%s_size_limit" (index . 1)) (index . 2) $root.Values.AsMap -}}
{{- end -}}

{{- define "ankra-agent.serviceMonitorEnabled" -}}
{{- dig "metrics" "serviceMonitor" "enabled" false .Values.AsMap -}}
{{- end -}}

{{- define "ankra-agent.dashboardEnabled" -}}
{{- dig "metrics" "dashboard" "enabled" false .Values.AsMap -}}
{{- end -}}

{{- define "ankra-agent.dashboardLabels" -}}
{{- toYaml (dig "metrics" "dashboard" "labels" (dict "grafana_dashboard" "1") .Values.AsMap) -}}
{{- end -}}

{{- define "ankra-agent.prometheusRuleEnabled" -}}
{{- dig "metrics" "prometheusRule" "enabled" false .Values.AsMap -}}
{{- end -}}

{{- define "ankra-agent.prometheusRuleLabels" -}}
{{- toYaml (dig "metrics" "prometheusRule" "labels" (dict) .Values.AsMap) -}}
{{- end -}}

{{- define "ankra-agent.networkPolicyEnabled" -}}
{{- dig "network_policy" "enabled" false .Values.AsMap -}}
{{- end -}}

{{- define "ankra-agent.podSecurityContext" -}}
{{- $restricted := dict "runAsNonRoot" true "runAsUser" 1000 "runAsGroup" 1000 "fsGroup" 1000 "seccompProfile" (dict "type" "RuntimeDefault") -}}
{{- toYaml (hasKey .Values "pod_security_context" | ternary .Values.pod_security_context $restricted) -}}
{{- end -}}

{{- define "ankra-agent.containerSecurityContext" -}}
{{- $restricted := dict "runAsNonRoot" true "runAsUser" 1000 "runAsGroup" 1000 "readOnlyRootFilesystem" true "allowPrivilegeEscalation" false "capabilities" (dict "drop" (list "ALL")) "seccompProfile" (dict "type" "RuntimeDefault") -}}
{{- toYaml (hasKey .Values "security_context" | ternary .Values.security_context $restricted) -}}
{{- end -}}

{{/* image.pull_secrets as imagePullSecrets: a plain name or the Kubernetes {name: ...} form. */}}
{{- define "ankra-agent.imagePullSecrets" -}}
{{- range (dig "image" "pull_secrets" (list) .Values.AsMap) }}
{{- if kindIs "string" . }}
- name: {{ . | quote }}
{{- else }}
- name: {{ .name | quote }}
{{- end }}
{{- end }}
{{- end -}}

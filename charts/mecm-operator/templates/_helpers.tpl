{{- define "mecm-operator.labels" -}}
app.kubernetes.io/name: mecm-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{- /* What selects the operator's Pods (the Deployment's selector). */}}
{{- define "mecm-operator.selector" -}}
app.kubernetes.io/name: mecm-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

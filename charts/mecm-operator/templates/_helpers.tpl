{{- define "mecm-operator.labels" -}}
app.kubernetes.io/name: mecm-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

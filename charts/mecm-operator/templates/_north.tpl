{{- /* North's flags, env, mounts and volumes for the operator's container (empty when North is off). */}}
{{- define "mecm-operator.northArgs" -}}
{{- if .Values.north.enabled -}}
- --north-bind-address=:{{ .Values.north.port }}
- --north-registry={{ required "north.registry is required with north.enabled" .Values.north.registry }}
- --north-tenant-role={{ .Release.Name }}-north-tenant
- --north-delete-wait={{ .Values.north.deleteWaitSeconds }}
- --north-jwt-user-prefix={{ .Values.north.jwt.userPrefix }}
{{- if .Values.north.tlsSecret }}
- --north-tls-cert-file=/etc/mecm/north-tls/tls.crt
- --north-tls-key-file=/etc/mecm/north-tls/tls.key
{{- else if .Values.north.insecureHttp }}
- --north-insecure-http=true
{{- else }}
{{- fail "north.tlsSecret is required with north.enabled (or north.insecureHttp behind a TLS proxy)" }}
{{- end }}
{{- if .Values.north.registryCredentialsSecret }}
- --north-registry-username=$(MECM_NORTH_REGISTRY_USERNAME)
{{- end }}
{{- if .Values.north.jwt.publicKeySecret }}
- --north-jwt-public-key-file=/etc/mecm/north-jwt/public.pem
{{- end }}
{{- with .Values.north.jwt.jwksUrl }}
- --north-jwt-jwks-url={{ . }}
{{- end }}
{{- with .Values.north.jwt.issuer }}
- --north-jwt-issuer={{ . }}
{{- end }}
{{- with .Values.north.jwt.audience }}
- --north-jwt-audience={{ . }}
{{- end }}
{{- with .Values.north.jwt.roleGroups }}
- --north-jwt-role-groups={{ . }}
{{- end }}
{{- end -}}
{{- end }}

{{- define "mecm-operator.northEnv" -}}
{{- if and .Values.north.enabled .Values.north.registryCredentialsSecret -}}
- name: MECM_NORTH_REGISTRY_USERNAME
  valueFrom: {secretKeyRef: {name: {{ .Values.north.registryCredentialsSecret }}, key: username}}
- name: MECM_NORTH_REGISTRY_PASSWORD
  valueFrom: {secretKeyRef: {name: {{ .Values.north.registryCredentialsSecret }}, key: password}}
{{- end -}}
{{- end }}

{{- define "mecm-operator.northMounts" -}}
{{- if .Values.north.enabled -}}
{{- if .Values.north.tlsSecret }}
- {name: north-tls, mountPath: /etc/mecm/north-tls, readOnly: true}
{{- end }}
{{- if .Values.north.jwt.publicKeySecret }}
- {name: north-jwt, mountPath: /etc/mecm/north-jwt, readOnly: true}
{{- end }}
{{- end -}}
{{- end }}

{{- define "mecm-operator.northVolumes" -}}
{{- if .Values.north.enabled -}}
{{- if .Values.north.tlsSecret }}
- {name: north-tls, secret: {secretName: {{ .Values.north.tlsSecret }}}}
{{- end }}
{{- if .Values.north.jwt.publicKeySecret }}
- {name: north-jwt, secret: {secretName: {{ .Values.north.jwt.publicKeySecret }}, items: [{key: public.pem, path: public.pem}]}}
{{- end }}
{{- end -}}
{{- end }}

{{- /* North's flags, env, mounts and volumes for the operator's container (empty when North is off). Flags with values are quoted: a value ending in ':' (the JWT user prefix appstore:) would otherwise turn the list item into a map. */}}
{{- define "mecm-operator.northArgs" -}}
{{- if .Values.north.enabled -}}
- {{ printf "--north-bind-address=:%v" .Values.north.port | quote }}
- {{ printf "--north-registry=%s" (required "north.registry is required with north.enabled" .Values.north.registry) | quote }}
- {{ printf "--north-tenant-role=%s-north-tenant" .Release.Name | quote }}
- {{ printf "--north-delete-wait=%v" .Values.north.deleteWaitSeconds | quote }}
- {{ printf "--north-jwt-user-prefix=%s" .Values.north.jwt.userPrefix | quote }}
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
- {{ printf "--north-jwt-jwks-url=%s" . | quote }}
{{- end }}
{{- with .Values.north.jwt.issuer }}
- {{ printf "--north-jwt-issuer=%s" . | quote }}
{{- end }}
{{- with .Values.north.jwt.audience }}
- {{ printf "--north-jwt-audience=%s" . | quote }}
{{- end }}
{{- with .Values.north.jwt.roleGroups }}
- {{ printf "--north-jwt-role-groups=%v" . | quote }}
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

{{- define "mecm-operator.northRbac" -}}
{{- if .Values.north.enabled }}
# What a Tenant's appstore users may do in its namespaces through North; bound there by the
# operator (RoleBinding mecm-north-appstore-users) from the Tenant's spec.appstore.userIds.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ .Release.Name }}-north-tenant
  labels: {{- include "mecm-operator.labels" . | nindent 4 }}
rules:
  - apiGroups: [mecm.io]
    resources: [apppackages, appinstances]
    verbs: [get, list, watch, create, update, patch, delete]
  # Callbacks for their instances' changes (docs/north.md, Subscriptions); never their status.
  - apiGroups: [mecm.io]
    resources: [notificationsubscriptions]
    verbs: [get, list, watch, create, delete]
---
# Read-only, for the appstore's scheduled token (status polling across tenants), by group.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ .Release.Name }}-north-reader
  labels: {{- include "mecm-operator.labels" . | nindent 4 }}
rules:
  - apiGroups: [mecm.io]
    resources: [apppackages, appinstances]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ .Release.Name }}-north-reader
  labels: {{- include "mecm-operator.labels" . | nindent 4 }}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {{ .Release.Name }}-north-reader}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: {{ .Values.north.readerGroup | quote }}}
---
# The operator keeps those RoleBindings (only with North on). It holds every permission of the
# tenant role itself, so RBAC lets it bind that role without the bind verb.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ .Release.Name }}-north
  labels: {{- include "mecm-operator.labels" . | nindent 4 }}
rules:
  - apiGroups: [rbac.authorization.k8s.io]
    resources: [rolebindings]
    verbs: [get, list, watch, create, delete]
  # Beside the operator's own get, list and watch: the rest of what the tenant role grants.
  - apiGroups: [mecm.io]
    resources: [notificationsubscriptions]
    verbs: [create, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ .Release.Name }}-north
  labels: {{- include "mecm-operator.labels" . | nindent 4 }}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {{ .Release.Name }}-north}
subjects:
  - {kind: ServiceAccount, name: {{ .Release.Name }}, namespace: {{ .Release.Namespace }}}
{{- end }}
{{- end }}

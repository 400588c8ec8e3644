{{- define "jobline.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "jobline.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/*
The audit-log archive's folder on the executors when jobs.auditArchive.existingClaim is set: the
archiveDir given in jobs.builtins.auditLog (an absolute path), else /var/lib/jobline/audit-archive.
The claim is mounted there.
*/}}
{{- define "jobline.auditArchiveDir" -}}
{{- $auditLog := (default dict (default dict .Values.jobs.builtins).auditLog) -}}
{{- $dir := default "/var/lib/jobline/audit-archive" $auditLog.archiveDir -}}
{{- if not (hasPrefix "/" $dir) -}}
{{- fail (printf "jobs.builtins.auditLog.archiveDir must be an absolute path where jobs.auditArchive.existingClaim is mounted, not %q" $dir) -}}
{{- end -}}
{{- $dir -}}
{{- end -}}

{{- define "jobline.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{/*
The images Orkestra builds (Dockerfile.executor, Dockerfile.controller). The project publishes none
and owns no registry namespace, so there is no default to fall back on: rendering fails, naming the
value, until the installer sets each to an image in a registry they control.
*/}}
{{- define "orkestra.executorImage" -}}
{{- required "executor.image is required: build Dockerfile.executor, push it to a registry you control and set --set executor.image=REGISTRY/orkestra/executor:TAG (the project publishes no images)" .Values.executor.image -}}
{{- end -}}

{{- define "orkestra.controllerImage" -}}
{{- required "controller.image is required: build Dockerfile.controller, push it to a registry you control and set --set controller.image=REGISTRY/orkestra/controller:TAG (the project publishes no images)" .Values.controller.image -}}
{{- end -}}

{{/*
The host (and port 5000 beside it: the registry; 5001: its token server) pods and Flux reach the
staging registry this chart installs at: its Service's DNS name, or staging.registry.serviceIP.
*/}}
{{- define "orkestra.stagingHost" -}}
{{- .Values.staging.registry.serviceIP | default (printf "orkestra-registry.%s.svc" .Release.Namespace) -}}
{{- end -}}

{{/*
How steps run: executor.flavour, or when empty the fast path the installed Argo allows: plugin with
the chart's own workflow-controller (executor plugins on), pod with the cluster's (which may run
without them).
*/}}
{{- define "orkestra.flavour" -}}
{{- .Values.executor.flavour | default (ternary "plugin" "pod" .Values.argo.install) -}}
{{- end -}}

{{/* The instance label Orkestra's Workflows carry: the chart's own Argo's, none with the cluster's. */}}
{{- define "orkestra.argoInstanceID" -}}
{{- if .Values.argo.install }}{{ .Values.argo.instanceID }}{{ end -}}
{{- end -}}

{{/* The Flux shard label on what the executor writes: the chart's own Flux's, none with the cluster's. */}}
{{- define "orkestra.fluxShard" -}}
{{- if .Values.flux.install }}{{ .Values.flux.shard }}{{ end -}}
{{- end -}}

{{/* Where helm-controller fetches chart artifacts from the chart's own source-controller. */}}
{{- define "orkestra.sourceControllerHost" -}}
{{- .Values.flux.sourceController.serviceIP | default (printf "orkestra-source-controller.%s.svc" .Release.Namespace) -}}
{{- end -}}

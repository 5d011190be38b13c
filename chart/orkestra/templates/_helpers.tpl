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

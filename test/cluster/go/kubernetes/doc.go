// Package kubernetes pins the kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and
// kube-proxy the test cluster builds (the `tool` lines of go.mod). Nothing here is compiled into
// Orkestra.
package kubernetes

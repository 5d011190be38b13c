// Package kubernetes pins the kube-apiserver and kube-controller-manager the test control plane
// builds (the `tool` lines of go.mod). Nothing here is compiled into Orkestra.
package kubernetes

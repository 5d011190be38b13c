// Package argoworkflows pins the Argo workflow-controller and argo CLI the test control plane builds.
package argoworkflows

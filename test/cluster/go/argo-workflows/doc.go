// Package argoworkflows pins the Argo workflow-controller, argo CLI and argoexec the test cluster builds.
package argoworkflows

// Package helmcontroller pins the Flux helm-controller the test control plane builds.
package helmcontroller

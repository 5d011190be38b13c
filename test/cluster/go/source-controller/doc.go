// Package sourcecontroller pins the Flux source-controller the test control plane builds.
package sourcecontroller

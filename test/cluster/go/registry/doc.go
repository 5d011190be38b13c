// Package registry pins the CNCF distribution registry the test harness stages subcharts to.
package registry

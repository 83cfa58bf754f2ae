// Package demo checks `make demo` end to end (`make e2e`): `hrretry-demo up` brings the
// real helm-controller's releases to the states the README promises, and
// `hrretry-demo down` leaves no process it started and no port behind.
package demo

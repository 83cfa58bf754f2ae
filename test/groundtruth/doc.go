// Package groundtruth checks `kubectl hrretry status` and `force` against the real
// helm-controller v1.6.4.
//
// The tests start kube-apiserver and etcd (envtest, RBAC on), the real
// helm-controller as a process, and serve charts from testdata/charts the way
// source-controller would (an OCIRepository whose status.artifact points at a
// local HTTP server). Each scenario makes a HelmRelease fail the way it fails
// in production, watches it, runs the plugin binary after every observed
// state change, and then compares what the plugin predicted (next action and
// its time window) with what the controller did next. The force scenarios
// run `kubectl hrretry force` and check what the controller then did and
// what the command reported.
//
// Everything lives in _test.go files: the package adds nothing to the
// plugin's build. See README.md for how to run it and the results table.
package groundtruth

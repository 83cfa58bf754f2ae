package groundtruth

import (
	"fmt"
	"testing"
)

// Both forms the real controller logs a release in reach its recorder
// (lines copied from helm-controller v1.6.4 runs without and with the
// CancelHealthCheckOnNewRevision gate); other controllers' lines and lines
// about other releases do not.
func TestLogRouterRoutesBothForms(t *testing.T) {
	lines := []string{
		`{"level":"info","ts":"2026-12-06T20:36:46.293Z","msg":"checking 1 dependencies","controller":"helmrelease","controllerGroup":"helm.toolkit.fluxcd.io","controllerKind":"HelmRelease","HelmRelease":{"name":"app","namespace":"gt-09"},"namespace":"gt-09","name":"app","reconcileID":"a"}`,
		`{"level":"error","ts":"2026-12-06T23:23:51.444Z","msg":"Reconciler error","controller":"helmrelease","namespace":"gt-09","name":"app","reconcileID":"b","error":"x"}`,
		`{"level":"info","ts":"2026-12-06T23:23:52.000Z","msg":"other release","controller":"helmrelease","namespace":"gt-10","name":"app"}`,
		`{"level":"info","ts":"2026-12-06T23:23:53.000Z","msg":"another controller","controller":"ocirepository","namespace":"gt-09","name":"app"}`,
		`not json`,
	}
	r := newLogRouter()
	var got []string
	r.subscribe("gt-09", "app", func(l logLine) { got = append(got, fmt.Sprintf("%s %s", l.At.Format("15:04:05.000"), l.Msg)) })
	for _, l := range lines {
		if _, err := r.Write([]byte(l + "\n")); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"20:36:46.293 checking 1 dependencies", "23:23:51.444 Reconciler error"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("routed %q, want %q", got, want)
	}
}

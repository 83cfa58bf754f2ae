package inspect

import (
	"strings"
	"testing"
)

// A release is judged by its own controller: named on the state, warned
// about when its version is not the one the rules mirror, and with nothing
// scheduled when no controller selects it.
func TestOwner(t *testing.T) {
	for _, tc := range []struct {
		version string
		warn    bool
	}{{"v1.6.4", false}, {"v1.6.0", false}, {"1.6.2", false}, {"", false}, {"v1.7.0", true}, {"v1.5.3", true}, {"v1.60.0", true}, {"latest", true}} {
		s := DefaultSettings()
		s.Owner = &Owner{Name: "flux-system/helm-controller-shard1", Version: tc.version}
		st := loadState(t, "retrying-upgrade", s)
		if st.Controller == nil || st.Controller.Name != "flux-system/helm-controller-shard1" {
			t.Errorf("%q: controller %+v", tc.version, st.Controller)
		}
		if hasWarn(st, WarnControllerVersion) != tc.warn {
			t.Errorf("%q: version warning %v, want %v: %v", tc.version, !tc.warn, tc.warn, st.Warnings)
		}
	}
	if st := loadState(t, "retrying-upgrade", DefaultSettings()); st.Controller != nil || st.Next.Unwatched {
		t.Errorf("no owner given: %+v %+v", st.Controller, st.Next)
	}

	s := DefaultSettings()
	s.Unwatched = "its labels match no --watch-label-selector (flux-system/helm-controller: !sharding.fluxcd.io/key)"
	for _, name := range []string{"retrying-upgrade", "progressing", "stalled-retries-exceeded"} {
		st := loadState(t, name, s)
		n := st.Next
		if !n.Unwatched || n.Action != ActionNone || n.Earliest != nil || st.WorkerUntil != nil ||
			!strings.HasPrefix(n.Why, Unwatched+": its labels") || !hasWarn(st, WarnUnwatched) {
			t.Errorf("%s: next %+v, worker %v, warnings %v", name, n, st.WorkerUntil, st.Warnings)
		}
		if stuck, _ := (Limits{}).Stuck(st, testNow); !stuck {
			t.Errorf("%s: an unwatched release is stuck for --check", name)
		}
		if l := ApplyLoad([]RetryState{st}, DefaultSettings(), testNow, true); l.Busy != 0 || l.Queued != 0 {
			t.Errorf("%s: an unwatched release holds no worker: %+v", name, l)
		}
	}
}

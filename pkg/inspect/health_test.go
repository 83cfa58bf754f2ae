package inspect

import (
	"strings"
	"testing"
	"time"
)

// With the controller down every scheduled prediction says so, its way out
// starts with bringing the controller back, status --check counts it
// stuck, wait gives up on it, and a stale "Running" condition holds no
// worker.
func TestControllerDown(t *testing.T) {
	since := testNow.Add(-3 * time.Minute)
	s := DefaultSettings()
	s.Controller = Health{Down: true, Since: &since, Reason: "deployment flux-system/helm-controller: 0 of 1 replica(s) available"}
	want := "controller down since 2026-11-23T11:57:00Z (deployment flux-system/helm-controller: 0 of 1 replica(s) available): nothing happens until it is back"
	for _, name := range []string{"retrying-upgrade", "progressing"} {
		st := loadState(t, name, s)
		if st.Next.Blocked != want || !hasWarn(st, WarnControllerDown) {
			t.Errorf("%s: blocked %q, warnings %v", name, st.Next.Blocked, st.Warnings)
		}
		if stuck, why := (Limits{}).Stuck(st, testNow); !stuck || why != want {
			t.Errorf("%s: stuck %v %q", name, stuck, why)
		}
		if v, why := (Goal{Kind: GoalReady}).Judge(st, Limits{}, testNow); v != VerdictUnreachable || !strings.HasPrefix(why, "controller down") {
			t.Errorf("%s: wait's verdict %v %q", name, v, why)
		}
		if len(st.NextSteps) == 0 || st.NextSteps[0].Kind != StepCheck || !strings.HasPrefix(st.NextSteps[0].Effect, "bring helm-controller back first") {
			t.Errorf("%s: the way out starts with the controller, then the release's own: %+v", name, st.NextSteps)
		}
		if l := ApplyLoad([]RetryState{st}, s, testNow, true); l.Busy != 0 || st.Next.Queued {
			t.Errorf("%s: a down controller has no busy worker: %+v", name, l)
		}
	}
	stalled := loadState(t, "stalled-retries-exceeded", s)
	if stalled.Next.Blocked != "" {
		t.Errorf("nothing scheduled, nothing blocked: %q", stalled.Next.Blocked)
	}
	up := loadState(t, "retrying-upgrade", DefaultSettings())
	if up.Next.Blocked != "" || hasWarn(up, WarnControllerDown) || up.NextSteps[0].Kind == StepCheck {
		t.Errorf("a controller up (or unknown) blocks nothing")
	}
}

func hasWarn(st RetryState, code string) bool {
	for _, w := range st.Warnings {
		if w.Code == code {
			return true
		}
	}
	return false
}

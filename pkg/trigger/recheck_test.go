package trigger

import (
	"sync/atomic"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// The controller stops after the patch, while force waits: no watch event
// comes (it writes no status), so only the recheck can tell. Once it says
// the settings changed, each pending release is judged again and comes out
// blocked, in both namespaces' watches, long before the timeout. Without
// the recheck both time out.
func TestWaitBlockedWhenTheControllerStopsWhileWaiting(t *testing.T) {
	var stopped atomic.Bool
	down := inspect.DefaultSettings()
	down.Controller = inspect.Health{Down: true, Reason: "0 of 1 replicas available"}
	for _, recheck := range []bool{true, false} {
		stopped.Store(false)
		a := Applier{Concurrency: 2, Wait: true, Timeout: 3 * time.Second,
			SettingsFor: func(*v2.HelmRelease) inspect.Settings {
				if stopped.Load() {
					return down
				}
				return inspect.DefaultSettings()
			}}
		if recheck {
			a.RecheckEvery = 10 * time.Millisecond
			a.Recheck = func(time.Time) bool { return !stopped.Swap(true) } // the first read finds it down
		}
		dyn := newFake(t, unhandled("a", "web"), unhandled("b", "api"))
		results, reported := apply(t, dyn, a, Target{Namespace: "a", Name: "web"}, Target{Namespace: "b", Name: "api"})
		want := OutcomeBlocked
		if !recheck {
			want = OutcomeTimedOut
		}
		for _, r := range results {
			if r.Outcome != want {
				t.Errorf("recheck %v: %s/%s %s (%s), want %s", recheck, r.Namespace, r.Name, r.Outcome, r.Message, want)
			}
		}
		if len(reported) != 2 {
			t.Errorf("recheck %v: %d reports, want one per release", recheck, len(reported))
		}
	}
}

package groundtruth

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// A window that holds but is wider than its rule's budget is a
// disagreement, unless the plugin marked it a bound; the error backoff's
// budget is half the real step + 5 s.
func TestWidthBudget(t *testing.T) {
	retrying := hrWith("ProgressingWithRetry", "retrying after 10s", "UpgradeFailed")
	valuesErr := hrWith("Progressing", prerequisites, "ValuesError")
	pred := func(rule, bound string, earliest, latest float64) prediction {
		return prediction{State: 0, Ran: at(0), RS: inspect.RetryState{Phase: inspect.PhaseRetrying,
			Next: inspect.Next{Action: inspect.ActionUpgrade, Earliest: ptrTime(at(earliest)), Latest: ptrTime(at(latest)), Rule: rule, Bound: bound}}}
	}
	upgradeAt10 := []attempt{{At: at(10), Action: "upgrade"}}
	for _, c := range []struct {
		name     string
		hr       state
		p        prediction
		attempts []attempt
		want     string
	}{
		// 2·5%·10s + 1 s + 2.5 s = 4.5 s.
		{"retry interval within budget", state{at(0), retrying}, pred(inspect.RuleRetryInterval, "", 9, 12), upgradeAt10, agree},
		{"retry interval too wide", state{at(0), retrying}, pred(inspect.RuleRetryInterval, "", 0, 900), upgradeAt10, disagree},
		{"too wide but a bound", state{at(0), retrying}, pred(inspect.RuleRetryInterval, "no failure count", 0, 900), upgradeAt10, agree},
		{"no rule", state{at(0), retrying}, pred("", "", 9, 12), upgradeAt10, disagree},
		// Queued windows are held to the budget too: wider only as a bound.
		{"queued too wide", state{at(0), retrying}, queuedPred(pred(inspect.RuleRetryInterval, "", 0, 900)), upgradeAt10, disagree},
		{"queued too wide but a bound", state{at(0), retrying}, queuedPred(pred(inspect.RuleRetryInterval, "queued", 0, 900)), upgradeAt10, agree},
		{"queued within budget", state{at(0), retrying}, queuedPred(pred(inspect.RuleRetryInterval, "", 9, 12)), upgradeAt10, agree},
		// The last reconcile at -2 s, the next at +22 s: step 24 s, budget 17 s.
		{"error backoff within half the step + 5 s", state{at(0), valuesErr}, reconcileAt(pred(inspect.RuleErrorBackoff, "", 10, 26)),
			[]attempt{{At: at(-2), Action: "reconcile"}, {At: at(22), Action: "reconcile"}}, agree},
		{"error backoff wider", state{at(0), valuesErr}, reconcileAt(pred(inspect.RuleErrorBackoff, "", 0, 26)),
			[]attempt{{At: at(-2), Action: "reconcile"}, {At: at(22), Action: "reconcile"}}, disagree},
	} {
		r := &recorder{jitter: 5, states: []state{c.hr}, ended: at(60)}
		got := r.check(row{}, r.states[0], c.p, c.attempts)
		if got.Verdict != c.want {
			t.Errorf("%s: verdict %s (%s), want %s", c.name, got.Verdict, got.Observed, c.want)
		}
		if got.Verdict == agree && (!got.HasWidth || !strings.Contains(got.Observed, "width")) {
			t.Errorf("%s: an agreeing row must report its width and slack: %+v", c.name, got)
		}
	}
}

func queuedPred(p prediction) prediction {
	p.RS.Next.Queued = true
	return p
}

func reconcileAt(p prediction) prediction {
	p.RS.Next.Action = inspect.ActionReconcile
	p.RS.Phase = inspect.PhaseFailed
	return p
}

// A running action's window is scored against the action's observed end:
// the hook phases make an upgrade with a 6 s timeout run 12 s.
func TestRunningScoredAgainstItsEnd(t *testing.T) {
	running := hrWith("Progressing", "Running 'upgrade' action with timeout of 6s", "Unknown")
	running.Spec.Timeout = &metav1.Duration{Duration: 6 * time.Second}
	states := []state{{at(0), running}, {at(12.4), hrWith("ProgressingWithRetry", "retrying after 10s", "UpgradeFailed")}}
	pred := func(latest float64) prediction {
		return prediction{State: 0, Ran: at(0), RS: inspect.RetryState{Phase: inspect.PhaseProgressing,
			Next: inspect.Next{Action: inspect.ActionUpgrade, Earliest: ptrTime(at(0)), Latest: ptrTime(at(latest)), Rule: inspect.RuleRunning,
				Bound: "hook phases"}}}
	}
	r := &recorder{jitter: 5, states: states, ended: at(60)}
	if !runningChecked(pred(19), states[0], nil) {
		t.Fatal("a running view is not scored")
	}
	if got := r.checkRunning(row{}, states[0], pred(19)); got.Verdict != agree {
		t.Errorf("ends by +19: %s (%s), want agree", got.Verdict, got.Observed)
	}
	if got := r.checkRunning(row{}, states[0], pred(7)); got.Verdict != disagree {
		t.Errorf("ends by +7 (timeout alone): %s (%s), want a disagreement", got.Verdict, got.Observed)
	}
}

// An expectation needs a resolved agreement: a window the test superseded
// once it was open does not count; one superseded before it opened does
// (nothing happening was all it said of the time observed).
func TestExpectationNeedsResolvedAgreement(t *testing.T) {
	retrying := hrWith("ProgressingWithRetry", "retrying after 10s", "UpgradeFailed")
	for _, c := range []struct {
		change float64
		agreed int
	}{{10, 0}, {5, 1}} {
		r := &recorder{jitter: 5, states: []state{{at(0), retrying}}, ended: at(60),
			interventions: []intervention{{At: at(c.change), What: "spec", Supersedes: true}},
			preds: []prediction{{State: 0, Ran: at(0), RS: inspect.RetryState{Phase: inspect.PhaseRetrying,
				Next: inspect.Next{Action: inspect.ActionUpgrade, Earliest: ptrTime(at(9)), Latest: ptrTime(at(12)), Rule: inspect.RuleRetryInterval}}}}}
		rows, tallies := r.verdicts("x", []expectation{expectRetry(inspect.ActionUpgrade)})
		if len(rows) == 0 || rows[0].Verdict != superseded {
			t.Fatalf("change at +%v: rows %+v: want the window superseded", c.change, rows)
		}
		if tallies[0].matched != 1 || tallies[0].agreed != c.agreed {
			t.Errorf("change at +%v: tallies %+v, want %d agreeing", c.change, tallies, c.agreed)
		}
	}
}

// A backoff window may be a bound only when something hid the step: a
// release failing since it was ready, nothing changed, must get the real
// step; after a spec change (the counters cleared) a bound is honest.
func TestBackoffBoundNeedsACause(t *testing.T) {
	remediating := hrWith("ProgressingWithRetry", "uninstall remediation", "InstallFailed")
	pred := prediction{State: 0, Ran: at(0), RS: inspect.RetryState{Phase: inspect.PhaseRemediating,
		Next: inspect.Next{Action: inspect.ActionInstall, Earliest: ptrTime(at(0)), Latest: ptrTime(at(900)),
			Rule: inspect.RuleRemediationBackoff, Bound: "backoff step unknown"}}}
	installAt12 := []attempt{{At: at(12), Action: "install"}}
	for _, c := range []struct {
		name string
		ivs  []intervention
		want string
	}{
		{"nothing changed", nil, disagree},
		{"spec changed during the streak", []intervention{{At: at(-30), What: "spec", Supersedes: true}}, agree},
	} {
		r := &recorder{jitter: 5, states: []state{{at(0), remediating}}, interventions: c.ivs, ended: at(60),
			minDelay: 750 * time.Millisecond, maxDelay: 15 * time.Minute}
		if got := r.check(row{}, r.states[0], pred, installAt12); got.Verdict != c.want {
			t.Errorf("%s: %s (%s), want %s", c.name, got.Verdict, got.Observed, c.want)
		}
	}
	// Within the budget, a needless bound is only a label.
	sharp := pred
	sharp.RS.Next.Earliest, sharp.RS.Next.Latest = ptrTime(at(10.5)), ptrTime(at(12.5))
	r := &recorder{jitter: 5, states: []state{{at(0), remediating}}, ended: at(60), minDelay: 750 * time.Millisecond, maxDelay: 15 * time.Minute}
	if got := r.check(row{}, r.states[0], sharp, installAt12); got.Verdict != agree {
		t.Errorf("a sharp window marked a bound: %s (%s), want agree", got.Verdict, got.Observed)
	}
}

package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// waitItems judges fixtures as wait does: waited is the generation the
// wait began with (the fixtures are at generation 2).
func waitItems(t *testing.T, goal inspect.Goal, l inspect.Limits, waited map[string]int64, names ...string) []WaitItem {
	t.Helper()
	var items []WaitItem
	for i, st := range states(t, names...) {
		it := WaitItem{Namespace: "apps", Name: names[i], State: &st, Waited: 2}
		if w, ok := waited[names[i]]; ok {
			it.Waited = w
		}
		if names[i] == "pending" { // stands for a release deleted while waited for
			it.State = nil
		}
		it.Verdict, it.Why = goal.Progress(it.Waited, it.State, l, testNow)
		items = append(items, it)
	}
	return items
}

func TestGoldenWait(t *testing.T) {
	ready, _ := inspect.ParseGoal("ready")
	version, _ := inspect.ParseGoal("version=6.5.0")
	limits := inspect.Limits{MaxFailures: 3}
	all := waitItems(t, ready, limits, map[string]int64{"remediating-rollback": 1},
		"ready", "retrying-upgrade", "remediating-rollback", "progressing", "stalled-retries-exceeded", "pending")
	mixed := waitItems(t, version, limits, map[string]int64{"retrying-upgrade": 1}, "ready", "retrying-upgrade", "waiting-dependency")
	deadline := testNow.Add(4*time.Minute + 30*time.Second)
	views := []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"wait-frame-tty.golden", func(b *bytes.Buffer) error {
			header, body := WaitFrame(ready, all, deadline, Options{Now: testNow, Color: true, Relative: true})
			return (&Live{}).Draw(b, Fit(header, body, 0, 0), 0)
		}},
		{"wait-frame-redraw.golden", func(b *bytes.Buffer) error {
			header, body := WaitFrame(version, mixed, deadline, Options{Now: testNow, Relative: true})
			return (&Live{drawn: []int{40, 40, 40, 40}}).Draw(b, Fit(header, body, 0, 0), 0)
		}},
		{"wait-frame-fit.golden", func(b *bytes.Buffer) error {
			// 60 × 5: four lines, the ones not there yet first.
			header, body := WaitFrame(ready, all, deadline, Options{Now: testNow, Relative: true})
			return (&Live{}).Draw(b, Fit(header, body, 60, 5), 60)
		}},
		{"wait-pipe.golden", func(b *bytes.Buffer) error {
			for _, it := range append(all, mixed...) {
				if err := WaitLog(b, it, piped); err != nil {
					return err
				}
			}
			return nil
		}},
		{"wait-unreachable.golden", func(b *bytes.Buffer) error {
			var failed []WaitItem
			for _, it := range all {
				if it.Verdict == inspect.VerdictUnreachable || it.Verdict == inspect.VerdictGone {
					failed = append(failed, it)
				}
			}
			return WaitUnreachable(b, ready, failed, piped)
		}},
		{"wait-superseded.golden", func(b *bytes.Buffer) error { return WaitSuperseded(b, all[2:3], "") }},
		{"wait-timed-out-pipe.golden", func(b *bytes.Buffer) error { return WaitTimedOut(b, version, 10*time.Minute, mixed, piped) }},
		{"wait-timed-out-tty.golden", func(b *bytes.Buffer) error {
			return WaitTimedOut(b, version, 10*time.Minute, mixed, Options{Now: testNow, Relative: true})
		}},
		{"wait-done.golden", func(b *bytes.Buffer) error {
			if err := WaitReached(b, all[0], ready); err != nil {
				return err
			}
			return WaitDone(b, ready, 1)
		}},
	}
	for _, v := range views {
		var b bytes.Buffer
		if err := v.render(&b); err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		golden(t, v.name, b.Bytes())
	}
}

// The verdicts the views rely on, so a golden file cannot quietly record
// a wrong judgement.
func TestWaitItemsJudged(t *testing.T) {
	ready, _ := inspect.ParseGoal("ready")
	all := waitItems(t, ready, inspect.Limits{MaxFailures: 3}, map[string]int64{"remediating-rollback": 1},
		"ready", "retrying-upgrade", "remediating-rollback", "stalled-retries-exceeded", "pending")
	want := []inspect.Verdict{inspect.VerdictReached, inspect.VerdictWaiting, inspect.VerdictSuperseded, inspect.VerdictUnreachable, inspect.VerdictGone}
	for i, it := range all {
		if it.Verdict != want[i] {
			t.Errorf("%s: %s, want %s", it.Name, it.Verdict, want[i])
		}
	}
	if header, body := WaitFrame(ready, all, testNow, piped); len(Fit(header, body, 0, 0)) != 6 {
		t.Errorf("a frame of 5 releases is 6 lines: %q", Fit(header, body, 0, 0))
	}
	if line := WaitLine(all[1], piped); strings.Contains(line, "in ") || !strings.Contains(line, "2026-11-23T12:03:45Z") {
		t.Errorf("piped lines carry absolute times: %q", line)
	}
	evil := all[3]
	evil.Why = "stalled: \x1b[2Jgotcha"
	if line := WaitLine(evil, piped); strings.Contains(line, "\x1b") {
		t.Errorf("a message from the cluster is escaped: %q", line)
	}
}

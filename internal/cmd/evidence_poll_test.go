package cmd

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"

	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// A live view times a failure before Helm from its Events as `status`
// does, from its first table on, and reads them again while it is open
// (evidenceEvery): a further failure leaves the object as it was and adds
// to the Event, and the view writes the release's new window. Piped, as
// JSON and waiting; the clock moves 5 s at each reading, so every tick may
// read.
func TestLiveViewsReadEventsAgain(t *testing.T) {
	first := testNow.Add(-10 * time.Second)
	for _, c := range []struct {
		args          []string
		third, fourth string // the window after three failures, then four
	}{
		// Three failures over 2 s from the streak's start, the last at
		// 11:59:52: the next 3 s after it, by 11:59:58.2; a fourth at
		// 11:59:55: the next 6 s after it, by 12:00:04.2. The clock has
		// passed both when the lines are written (it moves 5 s a reading).
		{args: []string{"status", "-A", "--watch", "--timeout", "5s"},
			third: "overdue since 2026-11-23T11:59:58Z", fourth: "overdue since 2026-11-23T12:00:04Z"},
		{args: []string{"status", "-A", "--watch", "--timeout", "5s", "-o", "json"},
			third: `"earliest":"2026-11-23T11:59:55Z"`, fourth: `"earliest":"2026-11-23T12:00:01Z"`},
		// wait, piped: its line, then the summary it times out with (stderr).
		{args: []string{"wait", "failed-values", "--for", "ready", "--timeout", "5s"},
			third: "overdue since 2026-11-23T11:59:58Z", fourth: "overdue since 2026-11-23T12:00:04Z"},
	} {
		fake := clustertest.New(states(t, "failed-values")...)
		var reads atomic.Int32
		fake.Kube.PrependReactor("list", "events", func(k8stesting.Action) (bool, runtime.Object, error) {
			ev := valuesEvent("failed-values", 3, first, first.Add(2*time.Second))
			if reads.Add(1) > 1 { // the reads after the first: a fourth failure
				ev = valuesEvent("failed-values", 4, first, first.Add(5*time.Second))
			}
			return true, &corev1.EventList{Items: []corev1.Event{*ev}}, nil
		})
		fake.Watches(watch.NewFake())
		r := executeWith(context.Background(), t, fake, "", movingClock(5*time.Second), c.args...)
		out, code := r.stdout, ExitOK
		if c.args[0] == "wait" {
			out, code = r.stderr, ExitFailed // timed out: the release is not ready
		}
		if r.code != code {
			t.Fatalf("%v: exit %d: %s", c.args, r.code, r.stderr)
		}
		third, fourth := strings.Index(out, c.third), strings.Index(out, c.fourth)
		if third < 0 || fourth < third {
			t.Errorf("%v: want the window after three failures (%s), then after four (%s); got:\n%s", c.args, c.third, c.fourth, out)
		}
		if strings.Contains(out, "Events were not read") || strings.Contains(out, "(bound)") {
			t.Errorf("%v: a view without the Events:\n%s", c.args, out)
		}
		if n := reads.Load(); n < 2 {
			t.Errorf("%v: the Events were read %d time(s); want again while the view is open", c.args, n)
		}
	}
}

// withEvidence analyzes again the releases whose Events changed, and only
// those; a read that failed (the API server away) keeps the Events read
// before; a release deleted since the read is skipped.
func TestWithEvidence(t *testing.T) {
	first := testNow.Add(-10 * time.Second)
	a := newAnalyses(defaultJudges(), clockStep)
	a.reset(decodedStates(t, "failed-values", "ready"), testNow)
	if got := a.timedByEvents(); len(got) != 1 || got[0].Object.Name != "failed-values" {
		t.Fatalf("timed by Events: %d objects, want failed-values alone", len(got))
	}
	read := func(ev inspect.Evidence) evidenceRead {
		return evidenceRead{objs: a.timedByEvents(), of: func(inspect.Decoded) inspect.Evidence { return ev }}
	}
	three := inspect.Evidence{EventsRead: true, Events: inspect.EventsFromCore([]corev1.Event{*valuesEvent("failed-values", 3, first, first.Add(2*time.Second))})}
	k := "apps/failed-values"
	for _, c := range []struct {
		name    string
		ev      inspect.Evidence
		changed bool
		bound   bool // the window after it is a bound
	}{
		{"first read", three, true, false},
		{"the same again", three, false, false},
		{"a read that failed", inspect.Evidence{EventsNote: "the release's Events could not be listed"}, false, false},
		{"no Events any more", inspect.Evidence{EventsRead: true}, true, true},
	} {
		changed := a.withEvidence(read(c.ev), testNow)
		if got := len(changed) == 1 && changed[0] == k; got != c.changed {
			t.Errorf("%s: changed %v, want %v", c.name, changed, c.changed)
		}
		if got := a.states[a.index[k]].Next.Bound != ""; got != c.bound {
			t.Errorf("%s: bound %q, want a bound: %v", c.name, a.states[a.index[k]].Next.Bound, c.bound)
		}
	}
	r := read(three)
	a.remove(k)
	if changed := a.withEvidence(r, testNow); len(changed) != 0 || len(a.evidence) != 0 {
		t.Errorf("a deleted release: changed %v, evidence kept for %d", changed, len(a.evidence))
	}
	if pollGap(evidenceFew) != evidenceEvery || pollGap(evidenceFew+1) != evidenceEveryMany {
		t.Errorf("pollGap: %s for %d releases, %s for %d", pollGap(evidenceFew), evidenceFew, pollGap(evidenceFew+1), evidenceFew+1)
	}
}

// decodedStates is states decoded as a listing decodes them.
func decodedStates(t *testing.T, names ...string) []inspect.Decoded {
	t.Helper()
	var out []inspect.Decoded
	for _, o := range states(t, names...) {
		u, ok := o.(*unstructured.Unstructured)
		if !ok {
			t.Fatalf("%T is not unstructured", o)
		}
		out = append(out, inspect.ReadUnstructured(u))
	}
	return out
}

// A release whose health and Events changed at the same tick is written
// once.
func TestUnionWritesEachKeyOnce(t *testing.T) {
	if got := union([]string{"a/x", "a/y"}, []string{"a/y", "a/z"}); strings.Join(got, ",") != "a/x,a/y,a/z" {
		t.Errorf("union = %v", got)
	}
}

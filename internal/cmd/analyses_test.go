package cmd

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// timelineStates are the fixtures' stories whose states move with the
// clock: windows that open and pass, workers held then freed, a periodic
// window bounded from now, a pending request.
var timelineStates = []fixtures.State{fixtures.Ready, fixtures.Retrying, fixtures.InstallRetrying,
	fixtures.Remediating, fixtures.Stalled, fixtures.Suspended, fixtures.InProgress,
	fixtures.NeverReconciled, fixtures.ValuesError, fixtures.WaitingDependency}

// storyObject is release name in state s, its story told at seeded.
func storyObject(t *testing.T, name string, s fixtures.State, seeded time.Time) inspect.Decoded {
	t.Helper()
	sch, err := fixtures.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(sch).WithStatusSubresource(&v2.HelmRelease{}).Build()
	r := fixtures.Release{Name: name, Namespace: "team-" + name[len(name)-1:], State: s}
	if s == fixtures.WaitingDependency {
		r.DependsOn = []string{"other"}
	}
	hr, err := fixtures.Create(context.Background(), c, r, seeded)
	if err != nil {
		t.Fatal(err)
	}
	return inspect.Decoded{Object: hr}
}

// twist varies a story so that the rest of the clock's boundaries show: a
// release that turned ready minutes ago (its periodic window still ahead),
// and a reconcile request not handled yet.
func twist(rng *rand.Rand, d inspect.Decoded, seeded time.Time) inspect.Decoded {
	hr := d.Object
	switch rng.IntN(4) {
	case 0:
		for i := range hr.Status.Conditions {
			hr.Status.Conditions[i].LastTransitionTime = metav1.NewTime(seeded.Add(-time.Duration(rng.IntN(540)) * time.Second))
		}
	case 1:
		at := seeded.Add(time.Duration(rng.IntN(20000)) * time.Millisecond)
		hr.Annotations = map[string]string{inspect.AnnotationRequestedAt: at.Format(time.RFC3339Nano)}
	}
	return d
}

// fullAnalysis is what a live view showed before issue 26: every object
// analyzed at now, then the controller's load over all of them.
func fullAnalysis(objs []inspect.Decoded, j *judges, t target, now time.Time) ([]inspect.RetryState, []inspect.Load) {
	states := make([]inspect.RetryState, len(objs))
	for i, d := range objs {
		states[i] = d.Analyze(now, j.of(d.Object))
	}
	return states, t.withLoad(states, j, now)
}

// judgesOf is one controller with settings s, judging every release.
func judgesOf(s inspect.Settings) *judges {
	return newJudges(cluster.Single("flux-system", "helm-controller", s, ""))
}

// TestAnalysesMatchFullAnalysis plays a timeline of changes, deletions and
// clock readings (random, and exactly on and just after every time a state
// shows) and compares, at every step, the incremental states and the
// controller's load with a full analysis at the same reading: the states
// re-read only when stableUntil says are exactly the full analysis's. One
// release's line (some) and every release's (pick, a wait on them all) are
// compared too. --concurrent 2 fills the workers.
func TestAnalysesMatchFullAnalysis(t *testing.T) {
	s := inspect.DefaultSettings()
	s.Concurrent = 2
	t.Run("one controller", func(t *testing.T) { playTimeline(t, judgesOf(s)) })
	// Two shards, one worker each, and releases neither watches: a queue
	// per controller, and none for the unwatched.
	s.Concurrent = 1
	shards := cluster.Controllers{List: []cluster.Controller{
		{Namespace: "flux-system", Name: "shard-1", Settings: s, WatchNamespace: "team-1"},
		{Namespace: "flux-system", Name: "shard-2", Settings: s, WatchNamespace: "team-2"},
	}}
	t.Run("shards", func(t *testing.T) { playTimeline(t, newJudges(shards)) })
}

func playTimeline(t *testing.T, j *judges) {
	rng := rand.New(rand.NewPCG(26, 1))
	all := target{allNamespaces: true}
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	pick := func(seeded time.Time, name string) inspect.Decoded {
		st := timelineStates[rng.IntN(len(timelineStates))]
		seeded = seeded.Add(-time.Duration(rng.IntN(600)) * time.Second)
		return twist(rng, storyObject(t, name, st, seeded), seeded)
	}
	var objs []inspect.Decoded
	for i := range 24 {
		objs = append(objs, pick(start, fmt.Sprintf("app-%d", i)))
	}
	a := newAnalyses(j, 0)
	a.reset(objs, start)
	now := start
	reused := 0
	exact := false // the last reading was a time a state shows
	for step := range 1500 {
		switch r := rng.IntN(30); {
		case exact && r < 20: // just after it
			now, exact = now.Add(time.Nanosecond), false
		case r < 3: // a change: the release's story told anew, somewhat later
			i := rng.IntN(len(objs))
			objs[i] = pick(now, objs[i].Object.Name)
			if a.put(objs[i], now) {
				t.Fatalf("step %d: %s was seen before", step, key(objs[i]))
			}
		case r == 3 && len(objs) > 1: // a deletion
			i := rng.IntN(len(objs))
			a.remove(key(objs[i]))
			objs = append(objs[:i:i], objs[i+1:]...)
		default: // the clock moves: at random, or onto a time a state shows
			now, exact = nextReading(rng, now, a.states)
		}
		reused += countStable(a, now)
		got, gotLoad := a.all(now, all)
		for i, d := range objs {
			if want := d.Analyze(now, j.of(d.Object)); !reflect.DeepEqual(a.states[i], want) {
				t.Fatalf("step %d at %s: %s (analyzed at %s) differs from a full analysis:\n got %+v %v\nwant %+v %v", step, now.Format(time.RFC3339Nano), key(d), a.until[i], a.states[i].Next, a.states[i].WorkerUntil, want.Next, want.WorkerUntil)
			}
		}
		want, wantLoad := fullAnalysis(objs, j, all, now)
		if !reflect.DeepEqual(got, want) {
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("step %d at %s: %s differs from a full analysis:\n got %+v\nwant %+v", step, now.Format(time.RFC3339Nano), key(objs[i]), got[i].Next, want[i].Next)
				}
			}
			t.Fatalf("step %d: %d states, want %d", step, len(got), len(want))
		}
		if !reflect.DeepEqual(gotLoad, wantLoad) {
			t.Fatalf("step %d: load %+v, want %+v", step, gotLoad, wantLoad)
		}
		keys := make([]string, len(objs))
		for i, d := range objs {
			keys[i] = key(d)
		}
		if picked := a.pick(now, all, keys); !reflect.DeepEqual(picked, want) {
			t.Fatalf("step %d: the states of a wait on every release differ from a full analysis", step)
		}
		i := rng.IntN(len(objs))
		one := a.some(now, all, key(objs[i]))
		if !reflect.DeepEqual(one[0], want[i]) {
			t.Fatalf("step %d: the line of %s differs from the full analysis:\n got %+v\nwant %+v", step, key(objs[i]), one[0].Next, want[i].Next)
		}
	}
	if reused == 0 {
		t.Fatal("the timeline never reused a state: it tests nothing")
	}
}

// countStable is how many states a reading at now reuses.
func countStable(a *analyses, now time.Time) int {
	n := 0
	for _, u := range a.until {
		if u.IsZero() || now.Before(u) {
			n++
		}
	}
	return n
}

// nextReading moves the clock: a few milliseconds to minutes, or exactly
// onto a time one of the states shows (exact).
func nextReading(rng *rand.Rand, now time.Time, states []inspect.RetryState) (next time.Time, exact bool) {
	var times []time.Time
	for _, st := range states {
		for _, t := range []*time.Time{st.Next.Earliest, st.Next.Latest, st.WorkerUntil} {
			if t != nil && t.After(now) {
				times = append(times, *t)
			}
		}
	}
	switch r := rng.IntN(4); {
	case r < 2 && len(times) > 0:
		slices.SortFunc(times, time.Time.Compare)
		return times[rng.IntN(min(3, len(times)))], true // one of the next few
	case r == 2:
		return now.Add(time.Duration(rng.IntN(3000)) * time.Millisecond), false
	}
	return now.Add(time.Duration(rng.IntN(120)) * time.Second), false
}

// TestAnalysesClockStep: with the live views' clockStep, a window bounded
// from now is at most a second old, and every other state is exact.
func TestAnalysesClockStep(t *testing.T) {
	s := inspect.DefaultSettings()
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	ready := storyObject(t, "app-1", fixtures.Ready, start.Add(-time.Hour))
	retrying := storyObject(t, "app-2", fixtures.Retrying, start)
	a := newAnalyses(judgesOf(s), clockStep)
	a.reset([]inspect.Decoded{ready, retrying}, start)
	for _, dt := range []time.Duration{300 * time.Millisecond, 999 * time.Millisecond, time.Second, 1500 * time.Millisecond} {
		now := start.Add(dt)
		got, _ := a.all(now, target{})
		if want := retrying.Analyze(now, s); !reflect.DeepEqual(got[1], want) {
			t.Errorf("+%s: an anchored window differs from a full analysis", dt)
		}
		if lag := now.Sub(*got[0].Next.Earliest); lag < 0 || lag >= clockStep {
			t.Errorf("+%s: the window bounded from now is %s old, want under %s", dt, lag, clockStep)
		}
	}
}

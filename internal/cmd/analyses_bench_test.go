package cmd

import (
	"fmt"
	"testing"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// benchFleet is n releases cycling through the states `make bench` seeds,
// told at seeded.
func benchFleet(b *testing.B, n int, seeded time.Time) []inspect.Decoded {
	b.Helper()
	t := &testing.T{}
	var base []inspect.Decoded
	for i, s := range []fixtures.State{fixtures.Ready, fixtures.Ready, fixtures.Ready, fixtures.Retrying, fixtures.InstallRetrying,
		fixtures.Remediating, fixtures.Stalled, fixtures.StallTrap, fixtures.Suspended, fixtures.InProgress,
		fixtures.NeverReconciled, fixtures.ValuesError} {
		base = append(base, storyObject(t, fmt.Sprintf("app-%d", i), s, seeded))
	}
	out := make([]inspect.Decoded, n)
	for i := range out {
		hr := base[i%len(base)].Object.DeepCopy()
		hr.Name, hr.Namespace = fmt.Sprintf("app-%05d", i), fmt.Sprintf("team-%02d", i%50)
		out[i] = inspect.Decoded{Object: hr}
	}
	return out
}

// BenchmarkLiveChange20000 is one status change in a live view of 20,000
// releases, piped: the line of the changed release, with the load over all
// of them; "full" is the view before issue 26 (every object analyzed).
func BenchmarkLiveChange20000(b *testing.B) {
	seeded := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	objs := benchFleet(b, 20000, seeded)
	s, all := inspect.DefaultSettings(), target{allNamespaces: true}
	now := seeded.Add(time.Minute)
	b.Run("incremental", func(b *testing.B) {
		a := newAnalyses(judgesOf(s), clockStep)
		a.reset(objs, now)
		i := 0
		for b.Loop() {
			i = (i + 7) % len(objs)
			now = now.Add(50 * time.Millisecond) // 20 changes a second
			a.put(objs[i], now)
			a.some(now, all, key(objs[i]))
		}
	})
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			states, _ := fullAnalysis(objs, judgesOf(s), all, now)
			_ = states[0]
		}
	})
}

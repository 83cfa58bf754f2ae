package inspect

import (
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestQueueMarksAsApplyLoad: over random fleets of the fixtures, analyzed
// at random clock readings around them, changed and shrunk state by state,
// (one at a time or many at once) Queue.Mark gives every state the window ApplyLoad gives it over all of
// them, with one to four workers (so that the line is long and full).
func TestQueueMarksAsApplyLoad(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "states", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatal("no fixtures", err)
	}
	var raws [][]byte
	for _, f := range files {
		raws = append(raws, mustJSON(t, strings.TrimSuffix(filepath.Base(f), ".yaml")))
	}
	objs := DecodeAll(raws)
	rng := rand.New(rand.NewPCG(26, 2))
	queuedSeen := 0
	for round := range 40 {
		s := DefaultSettings()
		s.Concurrent = 1 + rng.IntN(4)
		now := testNow.Add(time.Duration(rng.IntN(7200)-3600) * time.Second)
		pick := func() RetryState {
			return objs[rng.IntN(len(objs))].Analyze(now.Add(-time.Duration(rng.IntN(600))*time.Second), s)
		}
		states := make([]RetryState, 30+rng.IntN(60))
		q := NewQueue(s)
		for i := range states {
			states[i] = pick()
			q.Set(i, &states[i])
		}
		for step := range 30 {
			switch r := rng.IntN(4); {
			case r == 0 && len(states) > 2:
				i := rng.IntN(len(states))
				states = append(states[:i:i], states[i+1:]...)
				q.Delete(i)
			case r == 1: // many at once, as the clock re-reads them
				for range fewChanges + 1 + rng.IntN(20) {
					i := rng.IntN(len(states))
					states[i] = pick()
					q.Set(i, &states[i])
				}
			default:
				i := rng.IntN(len(states))
				states[i] = pick()
				q.Set(i, &states[i])
			}
			want := make([]RetryState, len(states))
			copy(want, states)
			ApplyLoad(want, s, now, true)
			for i := range states {
				got := states[i]
				q.Mark(&got, i, now)
				if !reflect.DeepEqual(got.Next, want[i].Next) {
					t.Fatalf("round %d step %d: state %d (%s, --concurrent %d):\n got %+v\nwant %+v", round, step, i, states[i].Name, s.Concurrent, got.Next, want[i].Next)
				}
				if got.Next.Queued {
					queuedSeen++
				}
			}
		}
	}
	if queuedSeen == 0 {
		t.Fatal("no state was ever queued: the test compares nothing")
	}
}

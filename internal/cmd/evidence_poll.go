package cmd

import (
	"context"
	"slices"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// evidenceEvery is how often a live view (status --watch, wait) reads
// again the Events of the releases whose windows they time: a failure
// before Helm, a dependency wait, a failed drift correction, a Helm action
// erroring again (inspect.RetryState.TimedByEvents). Nothing in the object
// changes from one such attempt to the next; without its Events the window
// is a bound of up to --max-retry-delay. A one-shot view reads them once
// (evidenceWants); a view left open reads them every 2 s, which a step of
// the controller's backoff (0.75 s doubling) outgrows after two failures,
// while there are at most evidenceFew of them (a request each), and every
// evidenceEveryMany past that (one LIST of the namespace's HelmRelease
// Events past perReleaseEvents: a fleet's can be megabytes). A healthy
// fleet has none, and costs nothing here.
const (
	evidenceEvery     = 2 * time.Second
	evidenceFew       = 5
	evidenceEveryMany = 10 * time.Second
)

// evidencePoll reads the Events of the releases a live view names in the
// background (background), as healthPoll reads the controllers.
type evidencePoll struct {
	bg   background[evidenceRead]
	read func(context.Context, []inspect.Decoded) func(inspect.Decoded) inspect.Evidence
}

// evidenceRead is one finished read: the releases it was for, and each
// one's Evidence.
type evidenceRead struct {
	objs []inspect.Decoded
	of   func(inspect.Decoded) inspect.Evidence
}

// newEvidencePoll reads through client, in t's scope, from now on.
func newEvidencePoll(ctx context.Context, client Cluster, t target, now time.Time) *evidencePoll {
	return &evidencePoll{bg: background[evidenceRead]{ctx: ctx, next: now},
		read: func(ctx context.Context, objs []inspect.Decoded) func(inspect.Decoded) inspect.Evidence {
			return readEvidence(ctx, client, t, objs)
		}}
}

// take returns the read that finished since the last take, if any, and
// starts the next one when it is due at now and wanting names releases.
func (p *evidencePoll) take(now time.Time, wanting func() []inspect.Decoded) (evidenceRead, bool) {
	if p == nil {
		return evidenceRead{}, false
	}
	return p.bg.take(now, func() (func(context.Context) evidenceRead, time.Duration, bool) {
		objs := wanting()
		return func(ctx context.Context) evidenceRead {
			return evidenceRead{objs: objs, of: p.read(ctx, objs)}
		}, pollGap(len(objs)), len(objs) > 0
	})
}

// readNow reads, before the view shows a LIST, the Events of the releases
// of a they time, as a one-shot listing does (evidenceWants), and analyzes
// those again: the first frame is as sharp as `status`. The next read is
// evidenceEvery later.
func (p *evidencePoll) readNow(a *analyses, now time.Time) {
	if p == nil {
		return
	}
	objs := a.timedByEvents()
	if len(objs) == 0 {
		return
	}
	a.withEvidence(evidenceRead{objs: objs, of: p.read(p.bg.ctx, objs)}, now)
	p.bg.notBefore(now.Add(pollGap(len(objs))))
}

// pollGap is the time from a read of n releases' Events to the next.
func pollGap(n int) time.Duration {
	if n <= evidenceFew {
		return evidenceEvery
	}
	return evidenceEveryMany
}

// pollEvidence folds a finished read of p into a: the keys of the releases
// whose Events changed, analyzed again at now, and whether there are any.
func pollEvidence(p *evidencePoll, a *analyses, now time.Time) ([]string, bool) {
	if a == nil {
		return nil, false
	}
	r, ok := p.take(now, a.timedByEvents)
	if !ok {
		return nil, false
	}
	changed := a.withEvidence(r, now)
	return changed, len(changed) > 0
}

// union is a with the keys of b it does not have: a release both polls
// changed is written once.
func union(a, b []string) []string {
	for _, k := range b {
		if !slices.Contains(a, k) {
			a = append(a, k)
		}
	}
	return a
}

// timedByEvents is every object whose state its Events time.
func (a *analyses) timedByEvents() []inspect.Decoded {
	var out []inspect.Decoded
	for i := range a.states {
		if a.states[i].TimedByEvents() {
			out = append(out, a.objects[i])
		}
	}
	return out
}

// withEvidence keeps r's Evidence of each release it read and analyzes
// again, at now, those whose Evidence changed; it returns their keys.
func (a *analyses) withEvidence(r evidenceRead, now time.Time) []string {
	var changed []string
	for _, d := range r.objs {
		k := key(d)
		i, ok := a.index[k]
		if !ok {
			continue // deleted since
		}
		ev := r.of(d)
		if old, ok := a.evidence[k]; ok && (sameEvidence(old, ev) || ev.EventsNote != "" && old.EventsRead) {
			// Unchanged; or a read that failed (the API server away: the
			// view says so) says nothing of Events read before.
			continue
		}
		if a.evidence == nil {
			a.evidence = map[string]inspect.Evidence{}
		}
		a.evidence[k] = ev
		a.analyze(i, now)
		changed = append(changed, k)
	}
	return changed
}

// evidenceOf is the Evidence kept for the i-th object (none read: the
// zero Evidence, whose windows say the Events were not read).
func (a *analyses) evidenceOf(i int) inspect.Evidence {
	if len(a.evidence) == 0 {
		return inspect.Evidence{} // no key built on the hot path of a fleet with none
	}
	return a.evidence[key(a.objects[i])]
}

func sameEvidence(a, b inspect.Evidence) bool {
	return a.EventsRead == b.EventsRead && a.EventsNote == b.EventsNote &&
		slices.EqualFunc(a.Events, b.Events, func(x, y inspect.Event) bool {
			return x.Type == y.Type && x.Reason == y.Reason && x.Message == y.Message && x.Count == y.Count &&
				x.First.Equal(y.First) && x.Last.Equal(y.Last)
		})
}

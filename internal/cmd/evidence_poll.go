package cmd

import (
	"context"
	"slices"
	"sync"
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
// background, one read at a time and at most one every evidenceEvery, and
// hands each finished read over once (take), as healthPoll does: the
// view's loop never waits on the API server for it.
type evidencePoll struct {
	ctx  context.Context
	read func(context.Context, []inspect.Decoded) func(inspect.Decoded) inspect.Evidence

	mu      sync.Mutex
	next    time.Time // the clock reading from which the next read may start
	running bool
	fresh   *evidenceRead
}

// evidenceRead is one finished read: the releases it was for, and each
// one's Evidence.
type evidenceRead struct {
	objs []inspect.Decoded
	of   func(inspect.Decoded) inspect.Evidence
}

// newEvidencePoll reads through client, in t's scope, from now on.
func newEvidencePoll(ctx context.Context, client Cluster, t target, now time.Time) *evidencePoll {
	return &evidencePoll{ctx: ctx, next: now, read: func(ctx context.Context, objs []inspect.Decoded) func(inspect.Decoded) inspect.Evidence {
		return readEvidence(ctx, client, t, objs)
	}}
}

// take returns the read that finished since the last take, if any, and
// starts the next one when it is due at now and wanting names releases.
func (p *evidencePoll) take(now time.Time, wanting func() []inspect.Decoded) (evidenceRead, bool) {
	if p == nil {
		return evidenceRead{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fresh != nil {
		r := *p.fresh
		p.fresh = nil
		return r, true
	}
	if p.running || now.Before(p.next) {
		return evidenceRead{}, false
	}
	objs := wanting()
	if len(objs) == 0 {
		return evidenceRead{}, false
	}
	p.running, p.next = true, now.Add(pollGap(len(objs)))
	go func() {
		of := p.read(p.ctx, objs)
		p.mu.Lock()
		defer p.mu.Unlock()
		p.running = false
		if p.ctx.Err() == nil { // a read cut short by the end of the command says nothing
			p.fresh = &evidenceRead{objs: objs, of: of}
		}
	}()
	return evidenceRead{}, false
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
	a.withEvidence(evidenceRead{objs: objs, of: p.read(p.ctx, objs)}, now)
	p.mu.Lock()
	p.next = now.Add(pollGap(len(objs)))
	p.mu.Unlock()
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

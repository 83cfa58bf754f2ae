package cmd

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/watch"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// liveView is `status --watch`: one LIST, then one WATCH from the list's
// resourceVersion; between events it only re-renders (once a second on a
// terminal, so countdowns move), without further API requests. An event
// re-analyzes its object alone (analyses).
type liveView struct {
	o        *StatusOptions
	seen     *analyses     // in the order the LIST returned them
	health   *healthPoll   // the controllers' health, read again
	evidence *evidencePoll // the Events of the releases they time, read again
	live     render.Live   // the last frame on a terminal, to redraw in place
	conn     connState     // the API server away (watch_conn.go)
	// On a terminal: when the last frame was drawn, at which size, and
	// whether a change came since that it does not show (frameGap).
	drawn  time.Time
	size   [2]int
	behind bool
}

// frameGap is the least time between two frames on a terminal. A frame
// weighs every release (the controller's load, the sort, the fit): ~60 ms
// at 20,000. During a mass upgrade a fleet writes dozens of changes a
// second; one frame each would need more than a core, and no one reads
// faster than this. A change inside the gap is drawn by the next tick,
// within frameGap.
const frameGap = 250 * time.Millisecond

func (o *StatusOptions) runWatch(ctx context.Context, client Cluster, j *judges) error {
	if o.watchTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.watchTimeout)
		defer cancel()
	}
	if dataFormats[o.out.Format] {
		return o.runWatchData(ctx, client, j) // watch_data.go: for programs
	}
	v := &liveView{o: o, seen: newAnalyses(j, clockStep), health: newHealthPoll(ctx, client, o.g, o.deps.Now()),
		evidence: newEvidencePoll(ctx, client, o.target, o.deps.Now())}
	v.seen.trim = o.trim() // the table's states, as status -A keeps them
	every := time.Second   // a pipe: for the controllers' health alone
	if o.term.tty {
		every = frameGap // countdowns move each second; changes held back by frameGap are drawn (tick)
	}
	return v.end(ctx, follow(ctx, client, o.target, o.sel.chunkSize, every, v))
}

// end: --timeout is a normal end of a watch (exit 0); after Ctrl-C or
// SIGTERM main exits 130 or 143 whatever this returns.
func (v *liveView) end(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// listed starts the view over from a LIST.
func (v *liveView) listed(objs []inspect.Decoded) error {
	now := v.o.deps.Now()
	v.seen.reset(objs, now)
	v.evidence.readNow(v.seen, now)
	v.drawAll()
	return nil
}

// tick shows a controller's health read again and changed (healthPoll):
// a pipe gets the line of each release whose window it blocked or freed,
// a terminal a new frame. On a terminal it also redraws when there is
// something new to show: a change held back by frameGap, a new second (the
// countdowns and the clock move), a new size (a resize ticks at once).
func (v *liveView) tick() error {
	now := v.o.deps.Now()
	changed, moved := pollHealth(v.health, v.seen, now, v.o.deps.Streams.ErrOut)
	sharper, more := pollEvidence(v.evidence, v.seen, now)
	changed, moved = union(changed, sharper), moved || more
	if !v.o.term.tty {
		for _, k := range changed {
			if err := v.drawOne(k, now); err != nil {
				return err
			}
		}
		return nil
	}
	w, h := v.o.term.size()
	if moved {
		v.drawAll()
		return nil
	}
	if v.behind || [2]int{w, h} != v.size || !sameSecond(now, v.drawn) {
		v.drawAll()
	}
	return nil
}

// redraw shows a change on a terminal: at once, or at the next tick when
// the last frame is less than frameGap old.
func (v *liveView) redraw(now time.Time) {
	if now.Sub(v.drawn) < frameGap {
		v.behind = true
		return
	}
	v.drawAll()
}

// apply folds one event into the view and shows it.
func (v *liveView) apply(ev watch.Event) error {
	d, deleted, ok, err := decodeEvent(ev)
	if !ok {
		return err
	}
	now := v.o.deps.Now()
	if deleted {
		v.seen.remove(key(d))
		if v.o.term.tty {
			v.redraw(now)
		}
		return nil
	}
	v.seen.put(d, now)
	if v.o.term.tty {
		v.redraw(now)
		return nil
	}
	return v.drawOne(key(d), now) // a pipe gets one line per change, like kubectl get -w
}

// statesWithLoad is every state at one clock reading, with the
// controller's load over all of them (a queued retry never reads
// overdue), those the filter selects, sorted.
func (v *liveView) statesWithLoad(now time.Time) ([]inspect.RetryState, []inspect.Load) {
	all, loads := v.seen.all(now, v.o.target)
	v.seen.j.warnNew(v.o.deps.Streams.ErrOut)
	out := v.o.filter.Apply(all)
	_ = render.Sort(out, v.o.sortBy) // validated before the watch started
	return out, loads
}

// drawAll shows every release: on a terminal a frame that fits it, drawn
// over the last one; on a pipe the table once (after the LIST).
func (v *liveView) drawAll() {
	now := v.o.deps.Now()
	states, loads := v.statesWithLoad(now)
	ro := v.o.renderOptions(now)
	ro.Load, ro.Loads = loadView(loads)
	ro.Relative = ro.Relative && !v.conn.isLost() // stale data: the windows' clock times, no countdown
	out := v.o.deps.Streams.Out
	none := render.NoneFound(v.o.target.namespace, v.o.target.allNamespaces)
	if !v.o.term.tty {
		if len(states) == 0 {
			_, _ = fmt.Fprintln(out, none)
			return
		}
		_ = render.Table(out, states, ro) // streamed: a fleet's table is megabytes
		return
	}
	var body render.Body = render.LiveTable{States: states, O: ro}
	if len(states) == 0 {
		body = render.Text{none}
	}
	width, height := v.o.term.size() // again for every frame: the terminal may have been resized
	v.drawn, v.size, v.behind = now, [2]int{width, height}, false
	_ = v.live.Draw(out, render.Fit(v.header(now), body, width, height), width)
}

// header is the frame's lines above the table: the clock, and while the
// API server is away a line saying so (watch_conn.go).
func (v *liveView) header(now time.Time) []string {
	return append([]string{now.Format("15:04:05") + "  (watching; Ctrl-C to stop)"}, v.conn.header(now, v.o.term.color)...)
}

// drawOne writes the line of the release named k: the load is over every
// object seen, this one included (a release due while every worker is
// busy says queued), and marks this one only.
func (v *liveView) drawOne(k string, now time.Time) error {
	states := v.seen.some(now, v.o.target, k)
	v.seen.j.warnNew(v.o.deps.Streams.ErrOut)
	if len(states) == 0 || !v.o.filter.Keep(states[0]) {
		return nil
	}
	ro := v.o.renderOptions(now)
	ro.NoHeaders = true
	return render.Table(v.o.deps.Streams.Out, states, ro)
}

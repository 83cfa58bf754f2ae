package cmd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// errOtherContext cancels the clusters still waiting once one cluster's
// wait failed: the command fails fast across the fleet as in one cluster.
var errOtherContext = errors.New("another context's wait failed")

// runContexts is wait over several clusters: each cluster is listed,
// watched and judged on its own (its releases, its controller), all at
// once, with one --timeout. Progress is one line per change whatever the
// terminal (several clusters' frames cannot share one screen), each line
// starting with its context. The exit code is the worst of the clusters':
// one that cannot be read, or a release that cannot reach the goal, is 1.
func (o *WaitOptions) runContexts(ctx context.Context) error {
	ms := o.g.members(o.contexts, o.target)
	deadline := o.deps.Now().Add(o.timeout)
	waitCtx, cancelTimeout := context.WithTimeout(ctx, o.timeout)
	defer cancelTimeout()
	waitCtx, stop := context.WithCancelCause(waitCtx)
	defer stop(nil)

	var outMu, errMu sync.Mutex
	codes := make([]int, len(ms))
	// Every cluster waits at once, under one --timeout; one that cannot be
	// read stops the others' waits (fail fast, as a release that cannot
	// reach the goal does), and one that does not answer its first LIST
	// within --context-timeout cannot be read.
	o.g.fanOut(waitCtx, ms, len(ms), 0, func() { stop(errOtherContext) },
		func(cctx context.Context, i int, m *member) error {
			cctx, listed := firstListWithin(cctx, o.ctxFlags.timeout)
			defer listed()
			one := *o // this cluster's copy: its target, its prefixed streams
			one.target, one.term.tty = m.target, false
			prefix := render.ContextPrefix(m.context)
			out := render.NewPrefixWriter(o.deps.Streams.Out, &outMu, prefix)
			errOut := render.NewPrefixWriter(o.deps.Streams.ErrOut, &errMu, prefix)
			defer func() { _, _ = out.Flush(), errOut.Flush() }()
			one.deps.Streams.Out, one.deps.Streams.ErrOut = out, errOut

			w := newWaiter(&one, m.settings, deadline)
			w.health = newHealthPoll(cctx, m.client, o.g, o.deps.Now())
			w.evidence = newEvidencePoll(cctx, m.client, m.target, o.deps.Now())
			err := follow(cctx, m.client, m.target, o.sel.chunkSize, frameGap, listedHook{w, listed})
			switch {
			case ctx.Err() != nil:
				return nil // interrupted: Run's caller says so
			case errors.Is(context.Cause(cctx), errContextTimeout):
				return fmt.Errorf("no answer to the first LIST within %s (--context-timeout): the cluster is slow or unreachable; raise --context-timeout to wait longer", o.ctxFlags.timeout)
			case w.code >= 0:
				codes[i] = exitCodeOf(w.finish())
				if codes[i] == ExitFailed {
					stop(errOtherContext)
				}
				return nil
			case errors.Is(context.Cause(cctx), errOtherContext):
				return nil // stopped: another cluster decided the outcome
			case waitCtx.Err() != nil && w.started:
				codes[i] = exitCodeOf(w.timedOut())
				return nil
			case waitCtx.Err() != nil:
				return w.timedOut() // never listed: a sentence for the error row
			}
			return err
		})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := fleetError(ms, o.deps.Streams.ErrOut); err != nil {
		return err
	}
	return silentOrNil(worstCode(codes))
}

// firstListWithin is ctx, cancelled with errContextTimeout unless listed
// is called within d (0: never cancelled). listed is safe to call twice.
func firstListWithin(ctx context.Context, d time.Duration) (context.Context, func()) {
	if d <= 0 {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	t := time.AfterFunc(d, func() { cancel(errContextTimeout) })
	return ctx, func() { t.Stop() }
}

// listedHook calls done once the follower has its first listing.
type listedHook struct {
	follower
	done func()
}

func (l listedHook) listed(objs []inspect.Decoded) error {
	l.done()
	return l.follower.listed(objs)
}

// exitCodeOf reads the exit code of a silentError (nil: 0).
func exitCodeOf(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.code
	}
	return ExitFailed
}

// worstCode: a failure outranks a superseded spec, which outranks success.
func worstCode(codes []int) int {
	worst := ExitOK
	for _, c := range codes {
		switch {
		case c == ExitFailed:
			return ExitFailed
		case c != ExitOK:
			worst = c
		}
	}
	return worst
}

func silentOrNil(code int) error {
	if code == ExitOK {
		return nil
	}
	return silentError(code)
}

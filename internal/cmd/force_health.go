package cmd

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/trigger"
)

// recheckEvery is how often force --wait asks for a new reading of its
// controllers' health: the reads themselves come at most every
// healthEvery, in the background (healthPoll); asking costs nothing.
const recheckEvery = time.Second

// forceHealth lets force --wait hear a controller stop or come back while
// it waits, as the live views do: a stopped controller writes no status,
// so the release's watch stays silent and the wait ran to --timeout. Its
// of and recheck are the Applier's SettingsFor and Recheck; a change is
// said on stderr.
type forceHealth struct {
	poll   *healthPoll
	errOut io.Writer

	mu sync.Mutex
	j  *judges
}

// withForceHealth sets a's SettingsFor and Recheck to follow the health of
// client's controllers, first as j read it.
func withForceHealth(ctx context.Context, a *trigger.Applier, client Cluster, g *globalOptions, j *judges, now time.Time, errOut io.Writer) {
	h := &forceHealth{poll: newHealthPoll(ctx, client, g, now), errOut: errOut, j: j}
	a.SettingsFor, a.Recheck, a.RecheckEvery = h.of, h.recheck, recheckEvery
}

func (h *forceHealth) of(hr *v2.HelmRelease) inspect.Settings {
	h.mu.Lock()
	j := h.j
	h.mu.Unlock()
	return j.of(hr)
}

// recheck takes a finished reading, if one came: true when a controller's
// health changed (the pending releases are then judged again).
func (h *forceHealth) recheck(now time.Time) bool {
	cs, ok := h.poll.take(now)
	if !ok {
		return false
	}
	h.mu.Lock()
	next, lines, changed := h.j.withHealth(cs)
	h.j = next
	h.mu.Unlock()
	for _, line := range lines {
		_, _ = fmt.Fprintln(h.errOut, line)
	}
	return changed
}

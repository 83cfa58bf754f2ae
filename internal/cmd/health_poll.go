package cmd

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// healthEvery is how often a live view (status --watch, wait) reads its
// controllers' health again. A one-shot view reads it once; a view left
// open outlives that reading: a controller that stopped during a wait left
// it waiting, until its timeout, for an attempt that could not come, and
// one back up left every window marked blocked. A read is the Deployments'
// LIST and each controller's pods and Lease (cluster.Controllers): a few
// small requests every 10 s.
const healthEvery = 10 * time.Second

// healthPoll reads the controllers in the background (background), at most
// once every healthEvery.
type healthPoll struct {
	bg   background[cluster.Controllers]
	read func(context.Context) cluster.Controllers
}

// newHealthPoll polls client's controllers as the command first read them
// (readSettings), the first time healthEvery after now.
func newHealthPoll(ctx context.Context, client Cluster, g *globalOptions, now time.Time) *healthPoll {
	return &healthPoll{bg: background[cluster.Controllers]{ctx: ctx, next: now.Add(healthEvery)}, read: func(ctx context.Context) cluster.Controllers {
		return client.Controllers(ctx, g.controllerNamespace, g.controllerName, g.pinned())
	}}
}

// take returns the read that finished since the last take, if any, and
// starts the next one when it is due at now.
func (p *healthPoll) take(now time.Time) (cluster.Controllers, bool) {
	if p == nil {
		return cluster.Controllers{}, false
	}
	return p.bg.take(now, func() (func(context.Context) cluster.Controllers, time.Duration, bool) {
		return p.read, healthEvery, true
	})
}

// withHealth is j with each controller's health as cs read it, whether
// any changed, and a line for stderr for each that went down, came back or
// became unknown (a crash loop's reason, which counts restarts, changes
// silently). The controllers themselves (their flags, their scopes) stay as
// the command first read them. A read that found no Deployment, or lost
// one, says nothing: the command never fails on the health, and its first
// reading stands.
func (j *judges) withHealth(cs cluster.Controllers) (*judges, []string, bool) {
	if cs.Unread != "" {
		return j, nil, false
	}
	list := slices.Clone(j.cs.List)
	var lines []string
	changed := false
	for i := range list {
		c := &list[i]
		k := slices.IndexFunc(cs.List, func(f cluster.Controller) bool { return f.Namespace == c.Namespace && f.Name == c.Name })
		if k < 0 || sameHealth(cs.List[k].Settings.Controller, c.Settings.Controller) {
			continue
		}
		was, now := c.Settings.Controller, cs.List[k].Settings.Controller
		if was.Down && now.Unsure {
			continue // up, but the pods or Lease that said down did not answer: the next reading decides
		}
		c.Settings.Controller, changed = now, true
		if was.Down != now.Down || was.Unknown != now.Unknown {
			// The reason is the cluster's text (a pod's waiting reason, a
			// Lease's holder): escaped for the terminal, as every such string.
			lines = append(lines, render.Escape(healthLine(c.Namespace+"/"+c.Name, was, now), false))
		}
	}
	if !changed {
		return j, nil, false
	}
	next := j.cs
	next.List = list
	j.mu.Lock()
	defer j.mu.Unlock()
	return &judges{cs: next, overlaps: j.overlaps, warned: j.warned}, lines, true
}

func sameHealth(a, b inspect.Health) bool { // Unsure aside: it changes nothing a view shows
	return a.Down == b.Down && a.Unknown == b.Unknown && a.Reason == b.Reason &&
		(a.Since == nil) == (b.Since == nil) && (a.Since == nil || a.Since.Equal(*b.Since))
}

// healthLine says on stderr what a live view's windows now follow.
func healthLine(controller string, was, now inspect.Health) string {
	switch {
	case now.Down:
		return fmt.Sprintf("warning: helm-controller %s is down (%s): its releases' next actions wait until it is back", controller, now.Reason)
	case was.Down:
		return fmt.Sprintf("helm-controller %s is back: its releases' windows hold again", controller)
	}
	return fmt.Sprintf("helm-controller %s: its health reads %s", controller, healthWord(now))
}

func healthWord(h inspect.Health) string {
	if h.Unknown {
		return "unknown"
	}
	return "up"
}

// rejudge takes a new reading of the controllers' health into a: every
// object analyzed again under j (a change of health moves every window of
// that controller; it is rare), the lines said on errOut. It returns the
// keys whose window became blocked or free, for a pipe's lines.
func (a *analyses) rejudge(j *judges, lines []string, now time.Time, errOut io.Writer) []string {
	for _, l := range lines {
		_, _ = fmt.Fprintln(errOut, l)
	}
	blocked := make([]bool, len(a.states))
	for i := range a.states {
		blocked[i] = a.states[i].Next.Blocked != ""
	}
	a.j = j
	a.reset(slices.Clone(a.objects), now)
	var changed []string
	for i := range a.states {
		if (a.states[i].Next.Blocked != "") != blocked[i] {
			changed = append(changed, key(a.objects[i]))
		}
	}
	return changed
}

// pollHealth takes p's new reading into a, when one came and changed a
// controller's health: the keys whose window became blocked or free, and
// true.
func pollHealth(p *healthPoll, a *analyses, now time.Time, errOut io.Writer) ([]string, bool) {
	if a == nil {
		return nil, false
	}
	cs, ok := p.take(now)
	if !ok {
		return nil, false
	}
	j, lines, changed := a.j.withHealth(cs)
	if !changed {
		return nil, false
	}
	return a.rejudge(j, lines, now, errOut), true
}

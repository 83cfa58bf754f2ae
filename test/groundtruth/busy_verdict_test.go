package groundtruth

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// busySettings are the settings the plugin reads from the busy
// controller's Deployment.
func busySettings(t *testing.T) inspect.Settings {
	t.Helper()
	s, errs := inspect.DefaultSettings().ApplyArgs(controllerArgs(jitterPercent(t), featureGates(), "", "", busyWorkers))
	if len(errs) > 0 {
		t.Fatalf("controller flags: %v", errs)
	}
	return s
}

// hold is one reconcile holding a worker, as the recording shows it: from
// the start the watch saw to the first state that is no longer
// Progressing, or to the end of the 10 s cache wait the controller logged
// after it (cacheWaitTimedOut).
type hold struct {
	release    string
	from, till time.Time
}

// cacheWaitMax bounds the time from a reconcile's last status patch to its
// cache wait's log line (10 s of polling, plus a loaded machine).
const cacheWaitMax = 12 * time.Second

// holdsOf is the reconciles of one recording. Called with r.mu held.
func (r *recorder) holdsOf() []hold {
	var out []hold
	for _, a := range attemptsOf(r.states, r.depChecks, r.errLogs) {
		h := hold{release: r.ns + "/" + r.name, from: a.At, till: r.ended}
		for _, st := range r.states {
			if st.At.After(a.At) && !progressing(reconciling(st.HR)) {
				h.till = st.At
				break
			}
		}
		for _, at := range r.cacheWaits {
			if at.After(h.till) && at.Sub(h.till) <= cacheWaitMax {
				h.till = at
				break
			}
		}
		out = append(out, h)
	}
	return out
}

// holdersAt lists the releases whose reconcile held a worker at t.
func holdersAt(holds []hold, t time.Time) []string {
	var out []string
	for _, h := range holds {
		if !t.Before(h.from) && t.Before(h.till) {
			out = append(out, h.release)
		}
	}
	return out
}

// busyResult is what the busy set's checks found beyond the windows (which
// stage.finish checks like any scenario's).
type busyResult struct {
	rows []row // "overdue while full" disagreements
	// fullSamples: kept runs made while the recording shows every worker
	// held; pluginFull: kept runs whose controllerLoad says full.
	fullSamples, pluginFull int
	queued, queuedAgreed    int // listed predictions marked queued; those that agreed
	maxDelay                *queueDelay
}

// queueDelay is one attempt's start after the end of the window the
// plugin would give with no load (inspect.Analyze on the state the
// prediction saw), and the window it gave with it.
type queueDelay struct {
	release, action string
	at              time.Time // the attempt, as the watch saw it start
	delay           time.Duration
	unqueued, given inspect.Next
	verdict         string
}

// checkBusy checks the busy set's recordings (stopped): no release is
// called overdue while every worker was held, and it measures the queueing.
func checkBusy(recs []*recorder, smp *sampler, s inspect.Settings) busyResult {
	return checkBusyOf(recs, smp, s, "")
}

// checkBusyOf is checkBusy for the releases of one controller of a sharded
// cluster: recs are its releases, and only its loads count ("" for the
// load of a cluster with one controller).
func checkBusyOf(recs []*recorder, smp *sampler, s inspect.Settings, controller string) busyResult {
	var holds []hold
	for _, rec := range recs {
		rec.mu.Lock()
		holds = append(holds, rec.holdsOf()...)
		rec.mu.Unlock()
	}
	var b busyResult
	smp.mu.Lock()
	for _, l := range smp.loads {
		if l.Load.Controller != controller {
			continue
		}
		if len(holdersAt(holds, l.Ran)) >= s.Concurrent {
			b.fullSamples++
		}
		if l.Load.Full {
			b.pluginFull++
		}
	}
	smp.mu.Unlock()
	for _, rec := range recs {
		rows, _ := rec.verdicts("busy", nil)
		for _, x := range rows {
			if strings.HasSuffix(x.State, ", queued") {
				b.queued++
				if x.Verdict == agree {
					b.queuedAgreed++
				}
			}
		}
		rec.mu.Lock()
		b.rows = append(b.rows, rec.overdueWhileFull(holds, s.Concurrent)...)
		if d := rec.largestDelay(s, rows); d != nil && (b.maxDelay == nil || d.delay > b.maxDelay.delay) {
			b.maxDelay = d
		}
		rec.mu.Unlock()
	}
	return b
}

// overdueWhileFull: a listed prediction that says overdue while the
// recording shows every worker held is a disagreement: the release waits
// for a worker, it is not late. Called with r.mu held.
func (r *recorder) overdueWhileFull(holds []hold, concurrent int) []row {
	var out []row
	for _, p := range r.preds {
		if !p.Listed || !p.RS.Next.Overdue {
			continue
		}
		holders := holdersAt(holds, p.Ran)
		if len(holders) < concurrent {
			continue
		}
		s := r.states[p.State]
		x := row{Scenario: "busy", Release: r.name, State: stateText(p.RS) + ", listed, overdue",
			Predicted: predictedText(p.RS, s.At),
			Observed: fmt.Sprintf("called overdue at %s while %d/%d workers were held (%s)", offset(p.Ran, s.At),
				len(holders), concurrent, strings.Join(holders, ", "))}
		out = append(out, r.disagreement(x, s, p))
	}
	return out
}

// largestDelay is, over the attempts a listed prediction agreed with, the
// largest start after the window the plugin gives the same state with no
// load. Called with r.mu held; rows are r's verdicts, in r.preds' order
// (windowChecked ones only; matched by prediction time).
func (r *recorder) largestDelay(s inspect.Settings, rows []row) *queueDelay {
	steps := stepsOf(r.states, attemptsOf(r.states, r.depChecks, r.errLogs))
	// The last listed prediction before each attempt.
	last := map[int]prediction{}
	for _, p := range r.preds {
		if !p.Listed || !windowChecked(p, r.states[p.State], steps) || p.RS.Next.Action == inspect.ActionNone {
			continue
		}
		after := r.states[p.State].At
		if p.Ran.After(after) {
			after = p.Ran
		}
		for i, a := range steps {
			if a.At.After(after) {
				last[i] = p
				break
			}
		}
	}
	var best *queueDelay
	for i, p := range last {
		a := steps[i]
		un := inspect.Analyze(r.states[p.State].HR, p.Ran, s).Next
		given := p.RS.Next
		if un.Latest == nil || given.Latest == nil || given.Earliest == nil || a.Open || string(given.Action) != a.Action {
			continue
		}
		d := &queueDelay{release: r.ns + "/" + r.name, action: a.Action, at: a.At, delay: a.At.Sub(*un.Latest),
			unqueued: un, given: given, verdict: disagree}
		if !a.At.Before(*given.Earliest) && !a.At.After(given.Latest.Add(allowance)) {
			d.verdict = agree
		}
		if best == nil || d.delay > best.delay {
			best = d
		}
	}
	return best
}

// notCreated says why the recording does not show the state the busy set
// is for (every worker held, attempts queued and agreeing), or "".
func (b busyResult) notCreated() string {
	if b.fullSamples == 0 || b.queuedAgreed == 0 {
		return fmt.Sprintf("the busy set did not create its state: %d samples with every worker held, %d queued predictions agreeing (want both > 0)",
			b.fullSamples, b.queuedAgreed)
	}
	return ""
}

// summary is the busy set's figures as Markdown.
func (b busyResult) summary(smp *sampler) string {
	smp.mu.Lock()
	runs, kept, named := smp.runs, smp.kept, smp.named
	maxQueued := 0
	for _, l := range smp.loads {
		maxQueued = max(maxQueued, l.Load.Queued)
	}
	smp.mu.Unlock()
	var sb strings.Builder
	fmt.Fprintf(&sb, "- `status -A -o json` runs: %d, kept %d (no release changed during the run); `status NAME -o json` runs kept (judged as listed items, under the load): %d\n", runs, kept, named)
	fmt.Fprintf(&sb, "- kept runs while the recording shows every worker held: %d; runs whose controllerLoad says full: %d; most attempts queued in one run: %d\n",
		b.fullSamples, b.pluginFull, maxQueued)
	fmt.Fprintf(&sb, "- predictions marked queued: %d, agreeing with the attempt: %d\n", b.queued, b.queuedAgreed)
	disagreements := 0
	for _, x := range b.rows {
		if x.Verdict == disagree {
			disagreements++
		}
	}
	fmt.Fprintf(&sb, "- called overdue while every worker was held: %d\n", disagreements)
	if d := b.maxDelay; d != nil {
		fmt.Fprintf(&sb, "- largest queueing delay: %s %s started %s (%.1fs) after the window with no load ended (%s/%s); the plugin gave %s/%s%s: %s\n",
			d.release, d.action, d.at.UTC().Format("15:04:05.0"), d.delay.Seconds(),
			clock(*d.unqueued.Earliest), clock(*d.unqueued.Latest), clock(*d.given.Earliest), clock(*d.given.Latest),
			map[bool]string{true: " (queued)"}[d.given.Queued], d.verdict)
	}
	return sb.String()
}

func clock(t time.Time) string { return t.UTC().Format("15:04:05.0") }

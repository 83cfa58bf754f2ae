package inspect

import (
	"fmt"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
)

// stepAllowance is what each backoff step may run over its delay when
// fitted to the Events' times: the failing reconcile itself and its
// status patch (milliseconds on an idle controller; a loaded machine adds
// queueing, which the load model accounts for separately).
const stepAllowance = 500 * time.Millisecond

// beforeHelmNext is the reconcile after one that failed before Helm (values,
// chart, client): HelmReleaseReconciler.reconcileRelease returns the error,
// controller-runtime requeues it rate-limited (reconcileHandler:
// AddRateLimited), and the delay is --min-retry-delay·2^k
// (ItemExponentialFailureRateLimiter.When, k the requeues since the last
// Forget). The object does not change from one failure to the next; the
// controller's Event of the failure (r.Eventf before the return) does:
// its count is the failures in a row, its last timestamp the latest one.
func (o *observation) beforeHelmNext() (Phase, Next) {
	c := o.ready
	n := Next{Action: ActionReconcile, Rule: RuleErrorBackoff,
		Why: fmt.Sprintf("the reconcile failed before Helm ran (%s); the controller retries with exponential backoff (%s doubling, at most %s)",
			c.Reason, o.s.MinRetryDelay, o.s.MaxRetryDelay)}
	e, ok := o.ev.latestFor(c.Reason, c.Message)
	if !ok || e.Last.Before(timeOf(c.LastTransitionTime).Add(-lttResolution)) {
		// An Event older than the condition belongs to an earlier streak.
		n.Bound = o.ev.missingNote()
		return PhaseFailed, unanchored(o.now, o.s.MaxRetryDelay.D()).toNext(n, o.now)
	}
	if o.s.Mutant == MutantEventCountIgnored {
		e.Count, e.First = 1, e.Last
	}
	lo, hi, why := o.streakBase(e)
	count := int64(e.Count)
	if t, ok := o.handledAfter(e.Last); ok {
		// A requested reconcile ran after the Event's last occurrence and
		// failed the same way (the object says so); its Event is recorded
		// asynchronously and may not be there yet.
		e.Last, count = t, count+1
	}
	n.Anchor = &Anchor{Condition: "Event", Reason: e.Reason, Time: e.Last}
	n.Why += fmt.Sprintf("; its Event says %d failure(s) in a row, the last at %s, so the next wait is %s",
		count, e.Last.UTC().Format(time.RFC3339), stepRange(o.s, lo+count-1, hi+count-1))
	n.Bound = why
	if why == "" {
		n.Bound = stepsBound(o.s, lo, hi, count)
	}
	w := window{earliest: e.Last.Add(backoffStep(lo+count-1, o.s)),
		latest: e.Last.Add(lttResolution + backoffStep(hi+count-1, o.s) + retrySlack), anchored: true}
	n = w.toNext(n, o.now)
	n.Or = o.ranUnseen(w, n.Action, backoffStep(lo+count, o.s), backoffStep(hi+count, o.s))
	return PhaseFailed, n
}

// ranUnseen is the other window of an attempt due in w when the listing
// falls inside w: the attempt may have run between w's earliest and now,
// failed the same way and left the object as it was, its Event not
// recorded yet (HelmReleaseReconciler's r.Eventf hands the Event to
// client-go's record.EventBroadcaster, whose goroutine creates or patches
// it later: in the ground truth, a listing 0.3 s after such an attempt read
// the Event before it). The attempt after it then comes a step, lo to hi,
// after a time between w's earliest and now. nil when the listing is
// before w (nothing can have run) or after it (the Event would show it).
func (o *observation) ranUnseen(w window, a Action, lo, hi time.Duration) *Window {
	if !o.now.After(w.earliest) || o.now.After(w.latest) || o.s.Mutant == MutantEventLagIgnored {
		return nil
	}
	return &Window{Earliest: w.earliest.Add(lo), Latest: o.now.Add(hi + retrySlack),
		If: fmt.Sprintf("if the %s due from %s has run already: the controller records its Event asynchronously, so the Event may not be there yet",
			a, w.earliest.UTC().Format(time.RFC3339))}
}

// streakBase is the range of the work queue's count when the failures of e
// began: the Events' times must fit count-1 doubling steps from it, a
// success or a dependency wait just before the streak made the queue
// forget the release (k = 0), and a release created just before has only
// the finalizer's requeue behind it (k ≤ 1). why is set when the range
// leaves the window wider than one step.
// also names Events that every attempt of the streak records beside e
// (DriftDetected beside DriftCorrectionFailed): they say nothing of what
// came before it.
func (o *observation) streakBase(e Event, also ...string) (lo, hi int64, why string) {
	return o.streakBaseWithin(e, 0, also...)
}

// streakBaseWithin is streakBase where the Event's span may also hold one
// wait of up to extra (the cache wait after a remediation).
func (o *observation) streakBaseWithin(e Event, extra time.Duration, also ...string) (lo, hi int64, why string) {
	top := capExponent(o.s)
	allowed := func(k int64) bool { return true }
	if p, ok := o.ev.before(e.First, e, also...); ok && forgets(p.Reason) {
		allowed = func(k int64) bool { return k == 0 }
	} else if !ok && !o.hr.CreationTimestamp.IsZero() && e.First.Sub(o.hr.CreationTimestamp.Time) < 10*time.Second {
		allowed = func(k int64) bool { return k <= 1 }
	}
	lo, hi = -1, -1
	span := e.Last.Sub(e.First)
	for k := int64(0); k <= top; k++ {
		want := streakSpan(k, int64(e.Count), o.s)
		fits := want <= span+lttResolution && span <= want+extra+lttResolution+time.Duration(e.Count-1)*stepAllowance
		if fits && allowed(k) {
			if lo < 0 {
				lo = k
			}
			hi = k
		}
	}
	switch {
	case lo < 0 && allowed(top):
		// A reconcile request cuts a step short (its reconcile fails and
		// counts like any other); nothing before the streak says where
		// the count began.
		return 0, top, "the Event's times do not fit one doubling backoff (a reconcile request or another error in between)"
	case lo < 0:
		// Cut short by a request, but what came before the streak says
		// where the count began.
		for k := int64(0); k <= top; k++ {
			if allowed(k) {
				if lo < 0 {
					lo = k
				}
				hi = k
			}
		}
		return lo, hi, ""
	case hi == top && lo < top:
		return lo, hi, "backoff step before this streak unknown: the Events do not show when the work queue last forgot the release"
	}
	return lo, hi, ""
}

// stepsBound is the bound a window gets when the streak's times fit bases
// lo..hi whose next steps differ: the Events' times are to the second, so
// failures a few seconds apart fit several doubling steps (two 2 s apart:
// three at a 750 ms base), and the controller takes exactly one of them.
// The window holds them all; nothing the cluster keeps says which. ""
// when they come to one step.
func stepsBound(s Settings, lo, hi, count int64) string {
	if backoffStep(lo+count-1, s) == backoffStep(hi+count-1, s) {
		return ""
	}
	return fmt.Sprintf("the Events' times are to the second and fit %d backoff steps (%s), which nothing the cluster keeps tells apart",
		hi-lo+1, stepRange(s, lo+count-1, hi+count-1))
}

// handledAfter: the controller handled a reconcile request after t (the
// token flux and this tool write is the request time; the reconcile ran
// at it or just after, and its Event, sent asynchronously by the
// recorder, may lag the status that says it was handled).
func (o *observation) handledAfter(t time.Time) (time.Time, bool) {
	h, err := time.Parse(time.RFC3339Nano, o.hr.Status.LastHandledReconcileAt)
	if err != nil || !h.After(t.Add(lttResolution)) || h.After(o.now) {
		return time.Time{}, false
	}
	return h, true
}

// forgets: the reconcile that recorded an Event of this reason ended with
// a success or a RequeueAfter, so controller-runtime forgot the release's
// backoff (reconcileHandler: Forget).
func forgets(reason string) bool {
	switch reason {
	case v2.InstallSucceededReason, v2.UpgradeSucceededReason, v2.TestSucceededReason, v2.DependencyNotReadyReason:
		return true
	}
	return false
}

// streakSpan is the time from the first to the last of count failures in a
// row starting at exponent k: count-1 steps.
func streakSpan(k, count int64, s Settings) time.Duration {
	var d time.Duration
	for i := int64(0); i < count-1 && d < 24*time.Hour; i++ {
		d += backoffStep(k+i, s)
	}
	return d
}

// backoffStep is ItemExponentialFailureRateLimiter.When for exponent k:
// base·2^k, capped at --max-retry-delay.
func backoffStep(k int64, s Settings) time.Duration {
	if k < 0 {
		k = 0
	}
	if k > 40 {
		return s.MaxRetryDelay.D()
	}
	d := s.MinRetryDelay.D() << uint(k)
	if d <= 0 || d > s.MaxRetryDelay.D() {
		return s.MaxRetryDelay.D()
	}
	return d
}

// capExponent is the smallest k whose step is the cap.
func capExponent(s Settings) int64 {
	k := int64(0)
	for backoffStep(k, s) < s.MaxRetryDelay.D() && k < 40 {
		k++
	}
	return k
}

func stepRange(s Settings, lo, hi int64) string {
	if backoffStep(lo, s) == backoffStep(hi, s) {
		return backoffStep(lo, s).String()
	}
	return backoffStep(lo, s).String() + " to " + backoffStep(hi, s).String()
}

// dependencyNext is the recheck of a dependency that is not ready:
// reconcileRelease records a DependencyNotReady Event and returns
// RequeueAfter --requeue-dependency, not jittered. The Event's last
// timestamp is the last check. The correlator's spam filter lets 25 Events
// of one object through, then one every 5 minutes
// (EventSourceObjectSpamFilter), so a long wait stops moving the Event: once
// its window has passed, only the bound from now is left.
func (o *observation) dependencyNext() Next {
	d := o.s.DependencyRequeue.D()
	n := Next{Action: ActionRecheck, Rule: RuleDependency,
		Why: fmt.Sprintf("waiting for a dependency; checked again every %s", o.s.DependencyRequeue)}
	if e, ok := o.ev.latestFor(v2.DependencyNotReadyReason, o.ready.Message); ok {
		if t, ok := o.handledAfter(e.Last); ok {
			e.Last = t // a requested recheck whose Event is not recorded yet
		}
		w := window{earliest: e.Last.Add(d), latest: e.Last.Add(d + lttResolution + retrySlack), anchored: true}
		if !o.now.After(w.latest) {
			n.Anchor = &Anchor{Condition: "Event", Reason: e.Reason, Time: e.Last, Interval: Duration(d)}
			n.Why += fmt.Sprintf("; last checked at %s (its Event)", e.Last.UTC().Format(time.RFC3339))
			n = w.toNext(n, o.now)
			n.Or = o.ranUnseen(w, n.Action, d, d)
			return n
		}
		n.Bound = "no recheck time: the dependency's Event stopped moving (Events of one object are rate-limited to one every 5 minutes after 25)"
	} else {
		n.Bound = boundNoCheckTime
		if !o.ev.EventsRead {
			n.Bound = boundDependencyNoEvents
		}
	}
	return unanchored(o.now, d).toNext(n, o.now)
}

package inspect

import (
	"regexp"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Allowances the window adds on top of the controller's own arithmetic.
const (
	// lttResolution: lastTransitionTime is serialised to the second, so
	// the real transition may be up to a second later than it reads.
	lttResolution = time.Second
	// cacheSyncWait: after a reconcile that requeues at once
	// (ErrMustRequeue), the controller polls for up to 10 s until its cache
	// shows the history it wrote (HelmReleaseReconciler.waitForHistoryCacheSync),
	// measured at exactly 10 s after a remediation on v1.6.4.
	cacheSyncWait = 10 * time.Second
	// backoffBase is the workqueue's per-item exponential backoff
	// (--min-retry-delay, 750 ms), doubled on each consecutive requeue. Every
	// requeue since the item was last forgotten counts, including the one
	// that added the finalizer: measured on v1.6.4, the attempts after the
	// 1st..4th remediation of a release failing since its creation came
	// 10 s + 1.5, 3, 6, 12 s later, so the bound is 0.75 s · 2^failures.
	backoffBase = 750 * time.Millisecond
)

// window is [earliest, latest] for when the next action starts.
type window struct {
	earliest, latest time.Time
	anchored         bool
}

// jittered is when a requeue of d set at anchor fires: the controller
// multiplies d by (1 ± p) (fluxcd/pkg/runtime/jitter.Percent).
func jittered(anchor time.Time, d time.Duration, percent int) window {
	j := float64(percent) / 100
	return window{
		earliest: anchor.Add(time.Duration(float64(d) * (1 - j))),
		latest:   anchor.Add(time.Duration(float64(d) * (1 + j))).Add(lttResolution),
		anchored: true,
	}
}

// unanchored bounds an action the object does not time: some time from now
// until now + d.
func unanchored(now time.Time, d time.Duration) window {
	return window{earliest: now, latest: now.Add(d)}
}

// backoff is the window of an immediate requeue (ErrMustRequeue): the cache
// wait, then the workqueue's backoff. The backoff doubles with each
// consecutive requeue of the same object; failures-so-far bounds how many.
func backoff(anchor time.Time, failures int64, maxDelay time.Duration) window {
	return window{
		earliest: anchor,
		latest:   anchor.Add(cacheSyncWait + errorBackoff(failures, maxDelay) + lttResolution),
		anchored: true,
	}
}

// errorBackoff is the workqueue's delay after the n-th consecutive failed
// or requeued reconcile: 0.75 s · 2^n, capped at --max-retry-delay.
func errorBackoff(n int64, maxDelay time.Duration) time.Duration {
	n = min(max(n, 1), 20)
	return min(backoffBase<<uint(n), maxDelay)
}

// errorRetry is the window after a reconcile that returned an error at
// anchor (no cache wait: the history did not change).
func errorRetry(anchor time.Time, failures int64, maxDelay time.Duration) window {
	return window{
		earliest: anchor,
		latest:   anchor.Add(errorBackoff(failures, maxDelay) + 2*lttResolution),
		anchored: true,
	}
}

// retryMessage matches what the controller writes when it will retry after
// an interval: v1.4.3+ "retrying after 5m0s" (Reconciling), v1.4.0-v1.4.2
// "Will retry after 5m0s" (Ready, reason RetryAfterInterval).
var retryMessage = regexp.MustCompile(`(?i)retry(?:ing)? after ([0-9][0-9a-zµ.]*)`)

// retryAfter extracts the interval from such a message.
func retryAfter(msg string) (time.Duration, bool) {
	m := retryMessage.FindStringSubmatch(msg)
	if m == nil {
		return 0, false
	}
	d, err := time.ParseDuration(strings.TrimRight(m[1], "."))
	if err != nil || d <= 0 {
		return 0, false
	}
	return d, true
}

// runningMessage matches "Running 'upgrade' action with timeout of 5m0s".
var runningMessage = regexp.MustCompile(`Running '([a-z-]+)' action with timeout of ([0-9][0-9a-zµ.]*)`)

// running extracts the action in progress and its timeout.
func running(msg string) (Action, time.Duration, bool) {
	m := runningMessage.FindStringSubmatch(msg)
	if m == nil {
		return "", 0, false
	}
	d, err := time.ParseDuration(m[2])
	if err != nil {
		return "", 0, false
	}
	return Action(m[1]), d, true
}

func ptr(t time.Time) *time.Time { return &t }

// toNext fills the timing fields of n from w, judging overdue against now.
func (w window) toNext(n Next, now time.Time) Next {
	n.Earliest, n.Latest, n.Anchored = ptr(w.earliest), ptr(w.latest), w.anchored
	n.Overdue = w.anchored && now.After(w.latest)
	return n
}

func timeOf(t metav1.Time) time.Time { return t.Time }

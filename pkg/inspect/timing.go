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
	// retrySlack is the upper margin of a RetryOnFailure wait: the second
	// lost to lastTransitionTime, plus the cache-sync poll the controller
	// runs after its final patch (HelmReleaseReconciler.Reconcile's defer,
	// waitForHistoryCacheSync: a second check 1 s later when the patch
	// trimmed the history to 5), plus its prologue. Measured on v1.6.4:
	// attempts up to 1.8 s after LTT + d·(1+j); 2.2 s contains them all.
	retrySlack = 2200 * time.Millisecond
	// cacheSyncWait: after a reconcile that wrote a history snapshot and
	// then requeued at once (ErrMustRequeue) or returned an error, the
	// controller polls its cache for that snapshot for 10 s, and the poll
	// always times out: only the WithStatusObservedGeneration patch
	// normalises the in-memory timestamps to the cache's seconds
	// (HelmReleaseReconciler.Reconcile's defer; fluxcd/pkg/runtime
	// patch.SerialPatcher). Measured at exactly 10 s after a remediation.
	cacheSyncWait = 10 * time.Second
)

// window is [earliest, latest] for when the next action starts.
type window struct {
	earliest, latest time.Time
	anchored         bool
}

// jittered is when a requeue of d set at anchor fires: the controller
// multiplies d by (1 ± p) (fluxcd/pkg/runtime/jitter.Percent), and slack
// covers what the anchor does not show.
func jittered(anchor time.Time, d time.Duration, percent int, slack time.Duration) window {
	j := float64(percent) / 100
	return window{
		earliest: anchor.Add(time.Duration(float64(d) * (1 - j))),
		latest:   anchor.Add(time.Duration(float64(d) * (1 + j))).Add(slack),
		anchored: true,
	}
}

// unanchored bounds an action the object does not time: some time from now
// until now + d.
func unanchored(now time.Time, d time.Duration) window {
	return window{earliest: now, latest: now.Add(d)}
}

// backoff is the window of an immediate requeue after a remediation
// (ErrMustRequeue): the cache wait, then the workqueue's backoff
// (controller-runtime: Requeue → AddRateLimited).
func backoff(anchor time.Time, e exponent, s Settings) window {
	return window{
		earliest: anchor.Add(s.cacheWait() + s.MinRetryDelay.D()),
		latest:   anchor.Add(s.cacheWait() + e.upper(s) + lttResolution),
		anchored: true,
	}
}

// errorRetry is the window after a reconcile that returned an error at
// anchor with no new snapshot (no cache wait: the history did not change).
func errorRetry(anchor time.Time, e exponent, s Settings) window {
	return window{
		earliest: anchor,
		latest:   anchor.Add(e.upper(s) + 2*lttResolution),
		anchored: true,
	}
}

// retryMessage matches what the controller writes when it will retry after
// an interval: v1.4.3+ "retrying after 5m0s" (Reconciling), v1.4.0-v1.4.2
// "Will retry after 5m0s" (Ready, reason RetryAfterInterval).
var retryMessage = regexp.MustCompile(`(?i)retry(?:ing)? after ([0-9][0-9a-zµ.]*)`)

// retryAfter extracts the interval from such a message.
func retryAfter(msg string) (time.Duration, bool) {
	if !containsASCIIFold(msg, "after ") {
		return 0, false // the regexp's cost spared for most messages (no letter of it folds outside ASCII)
	}
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

// parseRunning extracts the action in progress and its timeout from
// "Running 'upgrade' action with timeout of 5m0s" or "Running 'correct
// cluster drift' action ..." (AtomicRelease.Reconcile writes each action
// reconciler's Name()).
func parseRunning(msg string) (Action, time.Duration, bool) {
	action, timeout, ok := matchRunning(msg)
	if !ok {
		return "", 0, false
	}
	d, err := time.ParseDuration(timeout)
	if err != nil {
		return "", 0, false
	}
	if action == driftCorrectionName {
		return ActionCorrectDrift, d, true
	}
	return Action(action), d, true
}

// isRunningMessage: msg says an action is running (parseRunning's form).
func isRunningMessage(msg string) bool {
	_, _, ok := matchRunning(msg)
	return ok
}

// matchRunning finds, leftmost, Running '([a-z][a-z -]*)' action with
// timeout of ([0-9][0-9a-zµ.]*) in msg and returns the two groups. By
// hand, not by regexp: a listing asks it of most releases' Reconciling
// message, several times each, and the regexp was a tenth of the analysis
// (issue 26). FuzzMatchRunning holds it to that regexp.
func matchRunning(msg string) (action, timeout string, ok bool) {
	const head, mid = "Running '", "' action with timeout of "
	for rest := msg; ; {
		i := strings.Index(rest, head)
		if i < 0 {
			return "", "", false
		}
		s := rest[i+len(head):]
		n := 0
		for n < len(s) && ('a' <= s[n] && s[n] <= 'z' || n > 0 && (s[n] == ' ' || s[n] == '-')) {
			n++
		}
		if t, found := strings.CutPrefix(s[n:], mid); n > 0 && found && len(t) > 0 && '0' <= t[0] && t[0] <= '9' {
			m := 1
			for m < len(t) {
				switch c := t[m]; {
				case '0' <= c && c <= '9', 'a' <= c && c <= 'z', c == '.':
					m++
				case strings.HasPrefix(t[m:], "µ"):
					m += len("µ")
				default:
					return s[:n], t[:m], true
				}
			}
			return s[:n], t, true
		}
		rest = rest[i+1:]
	}
}

// containsASCIIFold: sub (lower-case ASCII) is in s, ASCII letters in
// either case.
func containsASCIIFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for j < len(sub) && asciiLower(s[i+j]) == sub[j] {
			j++
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func ptr(t time.Time) *time.Time { return &t }

// toNext fills the timing fields of n from w, judging overdue against now.
func (w window) toNext(n Next, now time.Time) Next {
	n.Earliest, n.Latest, n.Anchored = ptr(w.earliest), ptr(w.latest), w.anchored
	n.Overdue = w.anchored && now.After(w.latest)
	return n
}

func timeOf(t metav1.Time) time.Time { return t.Time }

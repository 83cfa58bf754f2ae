package groundtruth

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// stalledHold is how long the stalled release is watched before the force,
// to show that without one the controller does nothing.
const stalledHold = 10 * time.Second

// 15: RemediateOnFailure with 1 install retry has stalled (RetriesExceeded)
// with the last failed install in Helm storage. force --reset clears the
// failure counters and the controller tries again: an upgrade of the failed
// release ("release conditions have changed since last failure"), under the
// upgrade's remediation (0 retries), so one attempt, then stalled again.
// The strategies are explicit, so that the DefaultToRetryOnFailure gate
// changes nothing.
func forceResetOnStalled(s *stage) {
	s.publish("app", "wait-timeout", "0.1.0")
	rec := s.release("app", spec("app", "1h", `
install:
  strategy: {name: RemediateOnFailure}
  remediation: {retries: 1}
upgrade:
  strategy: {name: RemediateOnFailure}
`))
	s.waitFor(rec, "the stall", attemptTimeout(2), func(hr *v2.HelmRelease, _ []attempt) bool { return stalled(hr) })
	stalledAt := time.Now()
	s.hold(stalledHold)
	if after := attemptsSince(rec, stalledAt); len(after) > 0 {
		s.t.Errorf("the stalled release was attempted again without a force: %v", after)
	}
	promised := promisedAttempts(s.status(rec))
	fr := s.force(rec, true, "--reset", "--wait", "--timeout", forceTimeout)
	s.wantAttempt(rec, fr, "upgrade")
	s.wantHandled(s.get(rec), true, true)
	counters := s.wantCountersReset(rec, fr)
	s.waitFor(rec, "the stall after the reset", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool {
		return stalled(hr) && hr.Status.LastHandledReconcileAt == hr.Annotations[inspect.AnnotationRequestedAt]
	})
	s.hold(minQuiet)
	after := attemptsSince(rec, fr.Start)
	if !slices.Equal(after, []string{"upgrade"}) {
		s.t.Errorf("attempts after force --reset: %v; want [upgrade]", after)
	}
	hr := s.get(rec)
	if st := hr.Status; readyReason(hr) != v2.UpgradeFailedReason || st.InstallFailures != 0 || st.UpgradeFailures != 1 {
		s.t.Errorf("after force --reset: Ready %s, install/upgrade failures %d/%d; want UpgradeFailed, 0/1",
			readyReason(hr), st.InstallFailures, st.UpgradeFailures)
	}
	fr.Note = fmt.Sprintf("install/upgrade failures %s; attempts after the reset %v; the plugin's way out promised %d", counters, after, promised)
	if promised != len(after) {
		// The way out is a prediction too: it must be what the controller did.
		fr.Note += " (DIFFERS)"
		s.t.Errorf("status promised %d attempt(s) after --reset; the controller made %d: %v", promised, len(after), after)
	}
	s.want(fr, "stalled", 1)
	s.wantActions(rec, "install", "install", "upgrade")
	s.finish(expectStalled(), expectation{Desc: "remediated, retries left", Match: retrying,
		Phase: inspect.PhaseRemediating, Action: inspect.ActionInstall})
}

// wantCountersReset: among the states the force's reconcile wrote, the
// failure counters were back to 0 (the reset), then counted again.
// It returns the sequence of install/upgrade failures.
func (s *stage) wantCountersReset(rec *recorder, fr *forceRun) string {
	s.t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var seq []string
	reset, counted := false, false
	for _, st := range rec.states {
		if st.At.Before(fr.Start) {
			continue
		}
		f := st.HR.Status
		c := fmt.Sprintf("%d/%d", f.InstallFailures, f.UpgradeFailures)
		if len(seq) == 0 || seq[len(seq)-1] != c {
			seq = append(seq, c)
		}
		zero := f.InstallFailures == 0 && f.UpgradeFailures == 0
		reset = reset || zero
		counted = counted || (reset && !zero)
	}
	if !reset || !counted {
		s.t.Errorf("install/upgrade failures after force --reset went %v; want back to 0/0, then counting again", seq)
	}
	return strings.Join(seq, " → ")
}

var attemptsAgain = regexp.MustCompile(`--reset +# reset the failure counters: (\d+) attempt`)

// promisedAttempts is how many attempts the plugin's way out says a reset
// gives back (0 if it offers none).
func promisedAttempts(rs inspect.RetryState) int {
	for _, w := range rs.WayOut {
		if m := attemptsAgain.FindStringSubmatch(w); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	return 0
}

package inspect

import "time"

// Mutant names a deliberately wrong rule. test/groundtruth replays the
// states the real controller produced through each mutant and requires at
// least one disagreement per mutant: proof that its verdict fails when that
// rule is wrong. Nothing outside that check sets it; Settings read from a
// cluster never carry one (it has no JSON form).
type Mutant string

// The mutants, each the wrong version of one rule.
const (
	// MutantExponentUnknown: the backoff exponent is never known, so every
	// error and remediation backoff reaches --max-retry-delay.
	MutantExponentUnknown Mutant = "exponent-unknown"
	// MutantSlackX10: every window's upper margin ten times the measured one.
	MutantSlackX10 Mutant = "slack-x10"
	// MutantNoHookPhases: a running action ends by its timeout alone, as if
	// Helm gave its hooks no timeout of their own.
	MutantNoHookPhases Mutant = "hook-phases-0"
	// MutantNoJitter: --interval-jitter-percentage ignored.
	MutantNoJitter Mutant = "jitter-ignored"
	// MutantNoCacheWait: no 10 s cache wait after a remediation.
	MutantNoCacheWait Mutant = "cache-wait-0"
	// MutantNoQueue: the controller's workers never run out (no queueing).
	MutantNoQueue Mutant = "queue-off"
	// MutantUpgradeBudget: the install after an upgrade's uninstall
	// remediation judged by the upgrade's retries.
	MutantUpgradeBudget Mutant = "install-budget-from-upgrade"
	// MutantEventCountIgnored: a failure before Helm timed as the first
	// of its streak whatever its Event's count says (the count is the
	// failures in a row, hence the work queue's step).
	MutantEventCountIgnored Mutant = "event-count-ignored"
	// MutantShortPrologue: a reconcile's prologue holds its worker for the
	// prologue's seconds only, even when a Helm action follows.
	MutantShortPrologue Mutant = "prologue-short"
	// MutantQueueUnbound: a queued window, its end moved to when a worker
	// is free at the latest, is not marked a bound.
	MutantQueueUnbound Mutant = "queue-unbound"
	// MutantNoFailureHold: a reconcile whose action has just failed, while
	// Reconciling still says it runs, holds no worker.
	MutantNoFailureHold Mutant = "failure-hold-off"
	// MutantCreationRequeueIgnored: the work queue's count for a release
	// failing since its creation is taken to be the failures exactly, as
	// if the finalizer's requeue never repeated.
	MutantCreationRequeueIgnored Mutant = "creation-requeue-ignored"
	// MutantEventLagIgnored: a failure before Helm listed inside the
	// window of its next attempt gets that window alone, as if the
	// controller's Event of an attempt were there as soon as it ran.
	MutantEventLagIgnored Mutant = "event-lag-ignored"
)

// Mutants lists them all, for the mutation check.
func Mutants() []Mutant {
	return []Mutant{MutantExponentUnknown, MutantSlackX10, MutantNoHookPhases, MutantNoJitter,
		MutantNoCacheWait, MutantNoQueue, MutantUpgradeBudget, MutantEventCountIgnored, MutantShortPrologue, MutantQueueUnbound,
		MutantNoFailureHold, MutantCreationRequeueIgnored, MutantEventLagIgnored}
}

// mutated applies the mutants that change settings rather than a rule.
func (s Settings) mutated() Settings {
	if s.Mutant == MutantNoJitter {
		s.JitterPercent = 0
	}
	return s
}

// cacheWait is cacheSyncWait, unless mutated away.
func (s Settings) cacheWait() time.Duration {
	if s.Mutant == MutantNoCacheWait {
		return 0
	}
	return cacheSyncWait
}

// mutateNext widens the upper margin of the window for MutantSlackX10: nine
// more retrySlacks on top of the one the rules add.
func (s Settings) mutateNext(n Next) Next {
	if s.Mutant == MutantSlackX10 && n.Latest != nil && n.Earliest != nil {
		n.Latest = ptr(n.Latest.Add(9 * retrySlack))
	}
	return n
}

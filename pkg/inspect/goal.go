package inspect

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Goal is what `kubectl hrretry wait --for` waits for.
type Goal struct {
	Kind  GoalKind
	Value string // the version or digest
	N     int64  // the revision or generation
}

// GoalKind names a Goal.
type GoalKind string

// The goals.
const (
	GoalReady      GoalKind = "ready"      // Ready=True for the current generation
	GoalVersion    GoalKind = "version"    // that chart version deployed and Ready
	GoalRevision   GoalKind = "revision"   // Helm revision >= N deployed and Ready
	GoalDigest     GoalKind = "digest"     // a snapshot with that config, chart or OCI digest deployed and Ready
	GoalGeneration GoalKind = "generation" // observedGeneration >= N and Ready
	GoalDeleted    GoalKind = "deleted"    // the object is gone
)

// ParseGoal reads ready, version=X, revision=N, digest=sha256:…,
// generation=N or deleted, and kubectl wait's spellings of two of them:
// delete, and condition=Ready (or condition=Ready=true).
func ParseGoal(s string) (Goal, error) {
	s = kubectlSpelling(strings.TrimSpace(s))
	kind, value, hasValue := strings.Cut(s, "=")
	g := Goal{Kind: GoalKind(kind), Value: value}
	switch g.Kind {
	case GoalReady, GoalDeleted:
		if hasValue {
			return Goal{}, fmt.Errorf("--for=%s takes no value", kind)
		}
	case GoalVersion, GoalDigest:
		if value == "" {
			return Goal{}, fmt.Errorf("--for=%s needs a value, e.g. --for=%s", kind, map[GoalKind]string{GoalVersion: "version=1.2.3", GoalDigest: "digest=sha256:…"}[g.Kind])
		}
	case GoalRevision, GoalGeneration:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < 1 {
			return Goal{}, fmt.Errorf("--for=%s needs a positive integer, got %q", kind, value)
		}
		g.N = n
	case "condition":
		return Goal{}, fmt.Errorf("--for=%s: only condition=Ready is a goal here (the same as --for=ready)", s)
	default:
		return Goal{}, fmt.Errorf("--for=%q: want ready (or condition=Ready), version=X, revision=N, digest=sha256:…, generation=N or deleted (or delete)", s)
	}
	return g, nil
}

// kubectlSpelling maps kubectl wait's forms to ours: `--for=delete` and
// `--for=condition=Ready` (the value true is kubectl's default, and the
// condition's name is matched without regard to case, as kubectl does).
func kubectlSpelling(s string) string {
	if s == "delete" {
		return string(GoalDeleted)
	}
	cond, ok := strings.CutPrefix(s, "condition=")
	if !ok {
		return s
	}
	name, value, hasValue := strings.Cut(cond, "=")
	if strings.EqualFold(name, "Ready") && (!hasValue || strings.EqualFold(value, "true")) {
		return string(GoalReady)
	}
	return s
}

func (g Goal) String() string {
	switch g.Kind {
	case GoalRevision, GoalGeneration:
		return fmt.Sprintf("%s=%d", g.Kind, g.N)
	case GoalVersion, GoalDigest:
		return string(g.Kind) + "=" + g.Value
	}
	return string(g.Kind)
}

// Verdict is where a release stands against a Goal.
type Verdict string

// The verdicts.
const (
	VerdictReached     Verdict = "reached"
	VerdictWaiting     Verdict = "waiting"
	VerdictUnreachable Verdict = "unreachable" // the controller will not get there unless something changes
)

// Limits make RetryOnFailure, which never stalls, give up: after MaxFailures
// failed attempts in the streak, or when failing for longer than StuckAfter.
// Zero disables either.
type Limits struct {
	MaxFailures int64
	StuckAfter  time.Duration
}

// Stuck says whether st counts as stuck under l at now, and why: stalled,
// or failing past a limit. It is what `status --check` exits on.
func (l Limits) Stuck(st RetryState, now time.Time) (bool, string) {
	switch {
	case st.Next.Blocked != "":
		return true, st.Next.Blocked
	case st.Phase == PhaseStalled && st.Next.Action == ActionNone:
		// A stalled release with a force pending is about to move.
		return true, "stalled (" + st.StallReason + ")"
	case l.MaxFailures > 0 && st.FailingSince != nil && st.Attempts > l.MaxFailures:
		return true, fmt.Sprintf("%d failed attempts, more than --max-failures %d", st.Attempts, l.MaxFailures)
	case l.StuckAfter > 0 && st.FailingSince != nil && now.Sub(*st.FailingSince) > l.StuckAfter:
		return true, fmt.Sprintf("failing since %s, longer than --stuck-after %s", st.FailingSince.UTC().Format(time.RFC3339), l.StuckAfter)
	}
	return false, ""
}

// Judge tells whether st has reached g, is still on its way, or cannot get
// there without a change: stalled, suspended, out of RemediateOnFailure
// retries, or stuck under l.
func (g Goal) Judge(st RetryState, l Limits, now time.Time) (Verdict, string) {
	if g.reached(st) {
		return VerdictReached, "reached " + g.String()
	}
	if g.Kind == GoalDeleted {
		// Neither a stall nor a suspension stops a deletion.
		return VerdictWaiting, "not deleted yet (" + string(st.Phase) + ")"
	}
	switch {
	case st.Phase == PhaseSuspended:
		return VerdictUnreachable, "suspended: the controller will not act until it is resumed"
	case st.Phase == PhaseDeleting:
		return VerdictUnreachable, "being deleted"
	case st.Next.Blocked != "":
		return VerdictUnreachable, st.Next.Blocked // fail fast: no reconcile until it is back
	case behind(st):
		// A stall or a failure streak of the previous spec says nothing of
		// this one: the controller reconciles a new generation at once.
		return VerdictWaiting, fmt.Sprintf("%s; generation %d not reconciled yet", st.Phase, st.Generation)
	case st.Phase == PhaseStalled && st.Next.Action == ActionNone:
		return VerdictUnreachable, st.Next.Why
	case st.Strategy.Name == RemediateOnFailure && st.Failures.Exhausted && st.Phase != PhaseProgressing && st.Next.Action == ActionNone:
		return VerdictUnreachable, "RemediateOnFailure retries are exhausted: " + st.Next.Why
	}
	if stuck, why := l.Stuck(st, now); stuck {
		return VerdictUnreachable, why
	}
	return VerdictWaiting, fmt.Sprintf("%s; next %s", st.Phase, st.Next.Action)
}

// reached: the release of the current spec is Ready and matches g.
func (g Goal) reached(st RetryState) bool {
	if g.Kind == GoalDeleted {
		return false // only the object's absence says so
	}
	if !readyForGeneration(st) {
		return false
	}
	var latest *Snapshot
	if len(st.History) > 0 {
		latest = &st.History[0]
	}
	switch g.Kind {
	case GoalVersion:
		return latest != nil && sameVersion(latest.ChartVersion, g.Value)
	case GoalRevision:
		return latest != nil && int64(latest.Revision) >= g.N
	case GoalDigest:
		return latest != nil && (latest.Digest == g.Value || latest.ConfigDigest == g.Value || latest.OCIDigest == g.Value)
	case GoalGeneration:
		return st.ObservedGeneration >= g.N
	}
	return true
}

// readyForGeneration: Ready=True written for the current generation, and
// the reconcile that wrote it has ended (observedGeneration caught up): a
// Ready left from the previous spec does not count.
func readyForGeneration(st RetryState) bool {
	if st.Ready != "True" || st.ObservedGeneration != st.Generation {
		return false
	}
	for _, c := range st.Conditions {
		if c.Type == "Ready" {
			return c.ObservedGeneration == 0 || c.ObservedGeneration == st.Generation
		}
	}
	return false
}

// behind: what decides the verdict (the Stalled condition of a stalled
// release, Ready otherwise) was written for an earlier generation. A
// condition without observedGeneration falls back to the status's.
//
// A condition's generation is not enough while a new spec is being tried:
// the controller's patch helper refreshes the object it reconciles from
// each patch response, so an attempt of generation 2 that ends after the
// spec moved to 3 stamps its failure with 3 (seen on helm-controller
// v1.6.4, test/groundtruth scenario 30). Its counters are still 2's:
// status.observedGeneration behind and the phase progressing (the new
// generation not tried yet) say so.
func behind(st RetryState) bool {
	if st.Phase == PhaseProgressing && st.ObservedGeneration < st.Generation {
		return true
	}
	decisive := "Ready"
	if st.Phase == PhaseStalled {
		decisive = "Stalled"
	}
	gen := st.ObservedGeneration
	for _, c := range st.Conditions {
		if c.Type == decisive && c.ObservedGeneration > 0 {
			gen = c.ObservedGeneration
		}
	}
	return gen < st.Generation
}

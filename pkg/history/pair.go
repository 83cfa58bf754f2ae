package history

import (
	"fmt"
	"strconv"
	"strings"

	"helm.sh/helm/v4/pkg/release/common"
	rspb "helm.sh/helm/v4/pkg/release/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// rollbackPair finds the rollback that is the release's last or next
// remediation, in Helm's storage: a newest revision Helm described as
// "Rollback to N" ran it; a rollback the analysis predicts goes from the
// newest revision to the remediation's target (or the newest revision
// before it that was deployed). ok is false when neither applies.
func rollbackPair(revs []Revision, st inspect.RetryState) (pair inspect.RollbackPair, ok bool) {
	latest := newestReadable(revs, 1<<31-1)
	if latest == nil {
		return pair, false
	}
	if n, isRollback := rollbackTarget(latest.Release.Info.Description); isRollback {
		failed := latest.Version - 1
		for r := newestReadable(revs, latest.Version); r != nil; r = newestReadable(revs, r.Version) {
			if r.Release.Info.Status == common.StatusFailed {
				failed = r.Version
				break
			}
		}
		return inspect.RollbackPair{Failed: failed, Target: n, Done: true}, true
	}
	if st.Remediation.Next != inspect.ActionRollback && st.Next.Action != inspect.ActionRollback {
		return pair, false
	}
	target := st.Remediation.ToRevision
	if target == 0 {
		for r := newestReadable(revs, latest.Version); r != nil; r = newestReadable(revs, r.Version) {
			if r.Release.Info.Status == common.StatusSuperseded || r.Release.Info.Status == common.StatusDeployed {
				target = r.Version
				break
			}
		}
	}
	return inspect.RollbackPair{Failed: latest.Version, Target: target}, target > 0
}

// rollbackTarget reads Helm's rollback description ("Rollback to 3",
// pkg/action/rollback.go).
func rollbackTarget(desc string) (int, bool) {
	rest, found := strings.CutPrefix(desc, "Rollback to ")
	if !found {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(rest))
	return n, err == nil && n > 0
}

// newestReadable is the newest decoded revision older than below.
func newestReadable(revs []Revision, below int) *Revision {
	var best *Revision
	for i := range revs {
		r := &revs[i]
		if r.Release == nil || r.Release.Info == nil || r.Version >= below {
			continue
		}
		if best == nil || r.Version > best.Version {
			best = r
		}
	}
	return best
}

// RollbackRisks compares the failed revision with the rollback target and
// lists what the rollback will not undo. The pair is nil when no rollback
// is last or next; a risk of kind "unreadable" says a revision is missing.
func RollbackRisks(revs []Revision, st inspect.RetryState) (*inspect.RollbackPair, []inspect.RollbackRisk) {
	pair, ok := rollbackPair(revs, st)
	if !ok {
		return nil, nil
	}
	failed, target := full(revs, pair.Failed), full(revs, pair.Target)
	var missing []inspect.RollbackRisk
	for _, m := range []struct {
		rel *rspb.Release
		n   int
	}{{failed, pair.Failed}, {target, pair.Target}} {
		if m.rel == nil {
			missing = append(missing, inspect.RollbackRisk{Kind: RiskUnreadable, Object: fmt.Sprintf("revision %d", m.n),
				Reason: "not in Helm's storage, or its Secret cannot be decoded: the risks of this rollback cannot be listed"})
		}
	}
	if missing != nil {
		return &pair, missing
	}
	return &pair, compare(failed, target, pair)
}

// WithRisks puts the concrete risks on the state in place of the generic
// warning, which stays only where the storage could not tell.
func WithRisks(st inspect.RetryState, pair *inspect.RollbackPair, risks []inspect.RollbackRisk) inspect.RetryState {
	if pair == nil {
		return st
	}
	st.Rollback, st.RollbackRisks = pair, risks
	if len(risks) > 0 && risks[0].Kind == RiskUnreadable {
		return st
	}
	kept := st.Warnings[:0:0]
	for _, w := range st.Warnings {
		if w.Code != inspect.WarnRollbackNotData {
			kept = append(kept, w)
		}
	}
	st.Warnings = kept
	return st
}

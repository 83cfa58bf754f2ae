package render

import (
	"strings"
	"unique"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// TableOnly drops from st what Table never prints (history, conditions,
// warnings, the way out, the explanations, all but the message's first
// line), so that a fleet listed for the table keeps a few hundred bytes per
// release instead of kilobytes: memory then grows with the number of rows,
// not with the objects' size. It keeps what status --check (Limits.Stuck),
// --failing and --phase, ApplyLoad and the column --sort-by keys read. The
// test TestTableOnlyPrintsTheSame checks the table is unchanged.
func TableOnly(st *inspect.RetryState) {
	// The first line, copied: a substring would keep the whole message.
	if i := strings.IndexByte(strings.TrimSpace(st.Message), '\n'); i >= 0 {
		st.Message = strings.Clone(firstLine(st.Message))
	}
	st.Reason, st.Summary, st.Next.Why = "", "", ""
	st.WayOut, st.NextSteps, st.Warnings = nil, nil, nil
	st.History, st.Conditions = nil, nil
	st.Release.AttemptedVersion, st.Release.StorageNamespace = "", ""
	st.FailingSinceSource = ""
	st.Rollback, st.RollbackRisks = nil, nil
	internRepeated(st)
}

// internRepeated makes the strings a fleet repeats (namespaces, charts and
// their versions, condition reasons) share one copy each: the decoder
// allocates every one afresh, ~80 B a release that the table would keep
// (1.5 MB of 20 MB live at N=20,000; BENCHMARKS.md, issue #15).
func internRepeated(st *inspect.RetryState) {
	for _, s := range []*string{&st.Namespace, &st.Ready, &st.StallReason, &st.LastAction,
		&st.Release.Chart, &st.Release.Version, &st.Strategy.Action, &st.Remediation.Strategy} {
		if *s != "" {
			*s = unique.Make(*s).Value()
		}
	}
	if a := st.Next.Anchor; a != nil {
		a.Condition, a.Reason = unique.Make(a.Condition).Value(), unique.Make(a.Reason).Value()
	}
}

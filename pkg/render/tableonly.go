package render

import (
	"strings"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// TableOnly drops from st what Table never prints (history, conditions,
// warnings, the way out, the explanations, all but the message's first
// line), so that the live table view (status --watch), which keeps a state
// a release to analyze again, keeps a few hundred bytes per release instead
// of kilobytes. It keeps what status --check (Limits.Stuck), --failing and
// --phase, ApplyLoad and the column --sort-by keys read. The test
// TestTableOnlyPrintsTheSame checks the table is unchanged. (A one-shot
// listing keeps less: a Row.)
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
}

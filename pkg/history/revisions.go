package history

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	rspb "helm.sh/helm/v4/pkg/release/v1"
)

// storageEntries: per stored revision, its status and Helm's description
// (the error text of a failed action), and the last run of each hook and
// test. An unreadable revision is one entry with its note.
func storageEntries(revs []Revision) []Entry {
	var out []Entry
	for _, r := range revs {
		if r.Release == nil || r.Release.Info == nil {
			out = append(out, Entry{Time: timePtr(r.Created), Source: SourceStorage, Type: "unreadable",
				Revision: r.Version, Message: r.Secret + ": " + r.Note})
			continue
		}
		rel := r.Release
		when := timePtr(rel.Info.LastDeployed)
		if when == nil {
			when = timePtr(r.Created)
		}
		e := Entry{Time: when, Source: SourceStorage, Type: string(rel.Info.Status), Revision: r.Version,
			Message: rel.Info.Description}
		if rel.Chart != nil && rel.Chart.Metadata != nil {
			e.ChartVersion = rel.Chart.Metadata.Version
			e.Reason = rel.Chart.Metadata.Name + "@" + rel.Chart.Metadata.Version
		}
		out = append(out, e)
		out = append(out, hookEntries(r.Version, rel.Hooks)...)
	}
	return out
}

// hookEntries: one entry per hook that ran, at its start: its phase, its
// events (pre-upgrade, test, ...), and how long it ran.
func hookEntries(version int, hooks []*rspb.Hook) []Entry {
	var out []Entry
	for _, h := range hooks {
		if h == nil || h.LastRun.StartedAt.IsZero() {
			continue // declared, never run (a hook of another action)
		}
		msg := h.Kind + "/" + h.Name
		if !h.LastRun.CompletedAt.IsZero() {
			msg += fmt.Sprintf(", ran %s", h.LastRun.CompletedAt.Sub(h.LastRun.StartedAt).Round(time.Second))
		}
		out = append(out, Entry{Time: timePtr(h.LastRun.StartedAt), Source: SourceHook, Type: string(h.LastRun.Phase),
			Reason: hookEvents(h), Revision: version, Message: msg})
	}
	return out
}

// hookEvents is the hook's events, "test" for a test.
func hookEvents(h *rspb.Hook) string {
	ev := make([]string, 0, len(h.Events))
	for _, e := range h.Events {
		ev = append(ev, string(e))
	}
	if len(ev) == 0 {
		return "hook"
	}
	return strings.Join(ev, ",")
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func storageSummary(revs []Revision, namespace string) *Storage {
	s := &Storage{Namespace: namespace, Revisions: len(revs)}
	for _, r := range revs {
		if r.Note != "" {
			s.Unreadable = append(s.Unreadable, Unreadable{Secret: r.Secret, Revision: r.Version, Note: r.Note})
		}
	}
	slices.SortFunc(s.Unreadable, func(a, b Unreadable) int { return cmp.Compare(a.Revision, b.Revision) })
	return s
}

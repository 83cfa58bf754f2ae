package history

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// Input is everything the timeline is built from. Nil slices are sources
// that were not read (the notes say why).
type Input struct {
	Object *v2.HelmRelease
	// State is the plugin's analysis of Object at the time of reading.
	State inspect.RetryState
	// Events and CoreEvents are the release's Events, from events.k8s.io/v1
	// and core/v1; the same Event read through both APIs counts once.
	Events     []eventsv1.Event
	CoreEvents []corev1.Event
	// Storage is Helm's storage (--helm-storage), decoded; nil when not read.
	Storage          []Revision
	StorageNamespace string
	// Notes are what the caller could not read, carried into the report.
	Notes []string
}

// Build joins the sources into one report, the timeline oldest first.
func Build(in Input) Report {
	r := Report{Name: in.State.Name, Namespace: in.State.Namespace, State: in.State, Notes: in.Notes}
	var entries []Entry
	if in.Object != nil {
		entries = append(entries, snapshotEntries(in.Object.Status.History)...)
		entries = append(entries, conditionEntries(in.Object.Status.Conditions)...)
		entries = append(entries, requestEntries(&in.Object.Status)...)
	}
	name := ""
	if in.Object != nil {
		name = in.Object.Name
	}
	entries = append(entries, eventEntries(in.Events, in.CoreEvents, name)...)
	if in.Storage != nil {
		entries = append(entries, storageEntries(in.Storage)...)
		r.Storage = storageSummary(in.Storage, in.StorageNamespace)
		r.Notes = append(r.Notes, Refusals(in.Storage)...)
		r.Rollback, r.RollbackRisks = RollbackRisks(in.Storage, in.State)
		r.State = WithRisks(r.State, r.Rollback, r.RollbackRisks)
	}
	sortEntries(entries)
	r.Timeline = append(entries, prediction(in.State))
	return r
}

// at is a time for an Entry: nil for the zero time, which means "not set"
// in every API type read here.
func at(t metav1.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// snapshotEntries: one entry per snapshot, at its last deployment, its
// deletion and each test; and the release's first deployment when no
// snapshot left is the one that made it (Helm copies firstDeployed into
// every revision, and status.history keeps only the last five).
func snapshotEntries(h v2.Snapshots) []Entry {
	out := firstDeployed(h)
	for _, s := range h {
		if s == nil {
			continue
		}
		msg := fmt.Sprintf("%s@%s", s.ChartName, s.ChartVersion)
		if s.AppVersion != "" {
			msg += " (app " + s.AppVersion + ")"
		}
		if s.Digest != "" {
			msg += ", digest " + s.Digest
		}
		base := Entry{Source: SourceHistory, Type: s.Status, Reason: string(s.Action), Revision: s.Version,
			ChartVersion: s.ChartVersion, Token: s.ConfigDigest}
		last := base
		last.Time, last.Message = at(s.LastDeployed), msg
		out = append(out, last)
		if !s.Deleted.IsZero() {
			del := base
			del.Time, del.Message = at(s.Deleted), "deleted"
			out = append(out, del)
		}
		out = append(out, testEntries(s)...)
	}
	return out
}

func firstDeployed(h v2.Snapshots) []Entry {
	var first *v2.Snapshot
	for _, s := range h {
		if s == nil || s.FirstDeployed.IsZero() {
			continue
		}
		if s.LastDeployed.Equal(&s.FirstDeployed) {
			return nil // the snapshot of the first deployment is there
		}
		if first == nil || s.Version < first.Version {
			first = s
		}
	}
	if first == nil {
		return nil
	}
	return []Entry{{Time: at(first.FirstDeployed), Source: SourceHistory, Message: "first deployed (the revision that did it is no longer in status.history)"}}
}

func testEntries(s *v2.Snapshot) []Entry {
	if s.TestHooks == nil {
		return nil
	}
	var out []Entry
	for name, t := range *s.TestHooks {
		if t == nil {
			continue
		}
		when := at(t.LastCompleted)
		if when == nil {
			when = at(t.LastStarted)
		}
		out = append(out, Entry{Time: when, Source: SourceHistory, Type: t.Phase, Reason: "test",
			Revision: s.Version, Message: "test hook " + name})
	}
	slices.SortFunc(out, func(a, b Entry) int { return cmp.Compare(a.Message, b.Message) })
	return out
}

func conditionEntries(cs []metav1.Condition) []Entry {
	out := make([]Entry, 0, len(cs))
	for _, c := range cs {
		out = append(out, Entry{Time: at(c.LastTransitionTime), Source: SourceCondition, Condition: c.Type,
			Type: string(c.Status), Reason: c.Reason, Message: c.Message})
	}
	return out
}

// requestEntries: the tokens of the last handled reconcile, force and
// reset requests. `flux reconcile` and this plugin write the time of the
// request; any other token has no time and is listed first.
func requestEntries(st *v2.HelmReleaseStatus) []Entry {
	var out []Entry
	for _, r := range []struct{ kind, token string }{
		{"reconcile", st.LastHandledReconcileAt}, {"force", st.LastHandledForceAt}, {"reset", st.LastHandledResetAt},
	} {
		if r.token == "" {
			continue
		}
		e := Entry{Source: SourceRequest, Reason: r.kind, Token: r.token, Message: "handled"}
		if t, err := time.Parse(time.RFC3339Nano, r.token); err == nil {
			u := t.UTC()
			e.Time = &u
		}
		out = append(out, e)
	}
	return out
}

// prediction is the last line: what the plugin expects next, and when.
func prediction(st inspect.RetryState) Entry {
	e := Entry{Source: SourcePrediction, Type: string(st.Phase), Reason: string(st.Next.Action), Message: st.Next.Why,
		Revision: st.Remediation.ToRevision}
	if st.Next.Earliest != nil {
		t := st.Next.Earliest.UTC()
		e.Time = &t
	}
	if st.Next.Latest != nil {
		t := st.Next.Latest.UTC()
		e.Until = &t
	}
	if or := st.Next.Or; or != nil {
		// The entry has one window; the other is said in words.
		e.Message += fmt.Sprintf("; or from %s to %s, %s", or.Earliest.UTC().Format(time.RFC3339), or.Latest.UTC().Format(time.RFC3339), or.If)
	}
	return e
}

package history_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/history"
	"github.com/hrretry/kubectl-hrretry/pkg/history/historytest"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

var testNow = historytest.T0.Add(20 * time.Minute)

func storyInput() history.Input {
	hr := historytest.Object()
	evs, core := historytest.Events()
	return history.Input{Object: hr, State: inspect.Analyze(hr, testNow, inspect.DefaultSettings()),
		Events: evs, CoreEvents: core,
		Storage: history.DecodeSecrets(historytest.Secrets(historytest.Releases()...)), StorageNamespace: "apps"}
}

func entryKeys(es []history.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		when := "-"
		if e.Time != nil {
			when = e.Time.Sub(historytest.T0).String()
		}
		out[i] = fmt.Sprintf("%s %s %d %s", when, e.Source, e.Revision, e.Reason)
	}
	return out
}

// The whole story, oldest first: an undated request token first, Helm's
// storage before the snapshot that records it, the Event read through both
// APIs once, the other release's Event left out, the prediction last.
func TestBuildTimeline(t *testing.T) {
	r := history.Build(storyInput())
	want := []string{
		"- request 0 force", // "not-a-time": no time, listed first
		"0s storage 1 shop@1.0.0",
		"0s history 1 install",
		"5s event 0 InstallSucceeded", // core/v1 only
		"1m20s history 1 test",
		"9m0s request 0 reconcile", // about revision 1, the newest by then
		"9m0s hook 2 pre-upgrade",
		"9m5s hook 2 pre-upgrade",
		"10m0s storage 2 shop@2.0.0",
		"10m0s history 2 upgrade",
		"15m0s condition 0 UpgradeFailed",
		"15m0s event 0 UpgradeFailed", // both APIs, once
		"16m0s storage 3 shop@1.0.0",
		"16m0s history 3 rollback",
		"16m1s condition 0 RollbackSucceeded",
		"16m1s condition 0 RollbackSucceeded",
		"16m2s event 0 RollbackSucceeded",
	}
	got := entryKeys(r.Timeline)
	last := r.Timeline[len(r.Timeline)-1]
	if last.Source != history.SourcePrediction {
		t.Errorf("last entry is %s, want the prediction", last.Source)
	}
	if g, w := strings.Join(got[:len(got)-1], "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("timeline:\n%s\nwant:\n%s", g, w)
	}
	if r.Storage == nil || r.Storage.Revisions != 3 || len(r.Storage.Unreadable) != 0 {
		t.Errorf("storage = %+v", r.Storage)
	}
	if r.Rollback == nil || !r.Rollback.Done || r.State.Rollback == nil || len(r.State.RollbackRisks) == 0 {
		t.Errorf("rollback %+v, state risks %d: want the done rollback 2 -> 1 on both", r.Rollback, len(r.State.RollbackRisks))
	}
	for _, w := range r.State.Warnings {
		if w.Code == inspect.WarnRollbackNotData {
			t.Errorf("the generic rollback warning stayed beside the concrete risks")
		}
	}
	for _, e := range r.Timeline {
		if e.Source == history.SourceEvent && e.Reason == "UpgradeFailed" && (e.ChartVersion != "2.0.0" || e.Token != "sha256:c2.0.0") {
			t.Errorf("Flux's annotations not read: %+v", e)
		}
		if e.Source == history.SourceEvent && e.Reason == "RollbackSucceeded" && e.Count != 2 {
			t.Errorf("the series count is %d, want 2", e.Count)
		}
	}
}

// Without storage: no storage entries, no risks, the generic warning stays.
func TestBuildWithoutStorage(t *testing.T) {
	in := storyInput()
	in.Storage, in.Notes = nil, []string{"forbidden"}
	r := history.Build(in)
	for _, e := range r.Timeline {
		if e.Source == history.SourceStorage || e.Source == history.SourceHook {
			t.Errorf("a %s entry without storage: %+v", e.Source, e)
		}
	}
	if r.Storage != nil || r.Rollback != nil || r.RollbackRisks != nil || len(r.Notes) != 1 {
		t.Errorf("storage %v, rollback %v, risks %v, notes %v", r.Storage, r.Rollback, r.RollbackRisks, r.Notes)
	}
	found := false
	for _, w := range r.State.Warnings {
		found = found || w.Code == inspect.WarnRollbackNotData
	}
	if !found {
		t.Errorf("the generic warning is gone without storage: %v", r.State.Warnings)
	}
}

// An unreadable revision is one storage entry with its note, at the
// Secret's creation.
func TestBuildUnreadableRevision(t *testing.T) {
	in := storyInput()
	in.Storage = history.DecodeSecrets(append(historytest.Secrets(historytest.Releases()...),
		historytest.Secret("shop", 4, []byte("@@"), historytest.T0.Add(18*time.Minute))))
	r := history.Build(in)
	var e *history.Entry
	for i := range r.Timeline {
		if r.Timeline[i].Revision == 4 {
			e = &r.Timeline[i]
		}
	}
	if e == nil || e.Type != "unreadable" || !strings.Contains(e.Message, "not base64") || e.Time == nil {
		t.Fatalf("revision 4: %+v", e)
	}
	if len(r.Storage.Unreadable) != 1 || r.Storage.Unreadable[0].Revision != 4 {
		t.Errorf("unreadable = %+v", r.Storage.Unreadable)
	}
}

// As the real controller does (ground-truth scenario 18): the upgrade
// fails and is rolled back within one second. The API keeps seconds of the
// conditions and Events, Helm nanoseconds of the revisions; what is about
// revision 2 still comes before what is about revision 3, and a condition
// before the snapshot the controller writes after it.
func TestBuildSameSecond(t *testing.T) {
	in := storyInput()
	in.CoreEvents = nil
	sec := historytest.T0.Add(15 * time.Minute)
	hr := in.Object
	for i := range hr.Status.Conditions {
		hr.Status.Conditions[i].LastTransitionTime.Time = sec
	}
	hr.Status.History[0].LastDeployed.Time = sec // the rollback's snapshot
	hr.Status.Conditions = append(hr.Status.Conditions, hr.Status.Conditions[0])
	hr.Status.Conditions[3].Type, hr.Status.Conditions[3].Reason, hr.Status.Conditions[3].Message = "Stalled", "RetriesExceeded", "Failed to upgrade after 1 attempt(s)"
	in.Events[1].Series, in.Events[1].EventTime.Time = nil, sec
	rels := historytest.Releases()
	rels[2].Info.LastDeployed = sec.Add(600 * time.Millisecond)
	in.Storage = history.DecodeSecrets(historytest.Secrets(rels...))
	r := history.Build(in)
	var got []string
	for _, e := range r.Timeline {
		if e.Time != nil && e.Time.Truncate(time.Second).Equal(sec) {
			got = append(got, fmt.Sprintf("%s %s %s", e.Source, e.Condition, e.Reason))
		}
	}
	want := []string{
		"condition Released UpgradeFailed", // names chart shop@2.0.0: revision 2
		"event  UpgradeFailed",
		"storage  shop@1.0.0", // revision 3, stored at .6 s
		"condition Ready RollbackSucceeded",
		"condition Remediated RollbackSucceeded",
		"condition Stalled RetriesExceeded",
		"history  rollback",
		"event  RollbackSucceeded",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("same second:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The prediction's second window (inspect.Next.Or: the attempt due may have
// run, its Event not recorded yet) is said in its message: the entry has
// one window of its own.
func TestPredictionSaysTheOtherWindow(t *testing.T) {
	in := storyInput()
	or := inspect.Window{Earliest: testNow.Add(time.Minute), Latest: testNow.Add(time.Minute + 3*time.Second), If: "if it ran"}
	in.State.Next.Or = &or
	tl := history.Build(in).Timeline
	msg := tl[len(tl)-1].Message
	if want := "; or from " + or.Earliest.UTC().Format(time.RFC3339) + " to " + or.Latest.UTC().Format(time.RFC3339) + ", if it ran"; !strings.HasSuffix(msg, want) {
		t.Errorf("prediction message %q, want it to end with %q", msg, want)
	}
}

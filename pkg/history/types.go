// Package history joins what the cluster remembers about one HelmRelease into
// one timeline, oldest first: the snapshots of status.history, the condition
// transitions, the release's Events, the request tokens the controller
// handled, Helm's own storage (every revision, its hooks and tests) and, at
// the end, what the plugin predicts comes next. From Helm's storage it also
// lists what a rollback will not undo.
//
// It is pure: its inputs are typed objects and decoded releases, with no
// I/O and no clock.
package history

import (
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// Source says where a timeline entry was read. The values are stable for
// scripts (docs/schema.md).
type Source string

// Sources. Entries of one revision in the same second are listed storage,
// hook, request, condition, history, event: Helm stores a revision before
// the controller sets the conditions it reports, and the controller writes
// the conditions before the snapshot (the recorded watch of ground-truth
// scenario 18 shows it) and emits the Event last.
const (
	SourceStorage    Source = "storage"    // a Helm release Secret (--helm-storage)
	SourceHook       Source = "hook"       // a hook or test of a stored revision (--helm-storage)
	SourceHistory    Source = "history"    // a snapshot of status.history
	SourceRequest    Source = "request"    // a request token the controller handled
	SourceCondition  Source = "condition"  // a condition's last transition
	SourceEvent      Source = "event"      // a Kubernetes Event about the release
	SourcePrediction Source = "prediction" // what the plugin predicts comes next
)

var sourceRank = map[Source]int{SourceStorage: 0, SourceHook: 1, SourceRequest: 2, SourceCondition: 3,
	SourceHistory: 4, SourceEvent: 5, SourcePrediction: 6}

// Entry is one line of the timeline. Everything in it was read from the
// cluster and is untrusted: render escapes it.
type Entry struct {
	// Time is when it happened; nil when nothing says (such entries come
	// first, the prediction always last).
	Time   *time.Time `json:"time,omitempty"`
	Source Source     `json:"source"`
	// Type is the Event's type (Normal, Warning), the condition's status,
	// the revision's status or the hook's phase.
	Type string `json:"type,omitempty"`
	// Condition is the condition's type, on a condition entry.
	Condition string `json:"condition,omitempty"`
	// Reason is the Event's or condition's reason, the action of a
	// snapshot, the hook's name, the request's kind or the predicted action.
	Reason   string `json:"reason,omitempty"`
	Revision int    `json:"revision,omitempty"`
	// ChartVersion and Token are Flux's revision and token annotations on
	// an Event, or a snapshot's chart version and config digest.
	ChartVersion string `json:"chartVersion,omitempty"`
	Token        string `json:"token,omitempty"`
	Message      string `json:"message,omitempty"`
	// Count is how many times the Event was seen (its series).
	Count int32 `json:"count,omitempty"`
	// Until closes the prediction's window.
	Until *time.Time `json:"until,omitempty"`
}

// Report is the answer of `history NAME`. Its JSON form is documented in
// docs/schema.md.
type Report struct {
	Name      string  `json:"name"`
	Namespace string  `json:"namespace"`
	Timeline  []Entry `json:"timeline"`
	// Storage says whether Helm's storage was read, and what of it.
	Storage *Storage `json:"storage,omitempty"`
	// Rollback names the two revisions the risks compare; nil when the
	// storage was not read or no rollback is last or next.
	Rollback      *inspect.RollbackPair  `json:"rollback,omitempty"`
	RollbackRisks []inspect.RollbackRisk `json:"rollbackRisks,omitempty"`
	// Notes say what could not be read (a missing permission) and what the
	// timeline lacks because of it.
	Notes []string `json:"notes,omitempty"`
	// State is the plugin's analysis of the release, as `status -o json`.
	State inspect.RetryState `json:"state"`
}

// Storage is what was read of Helm's storage.
type Storage struct {
	Namespace string `json:"namespace"`
	Revisions int    `json:"revisions"`
	// Unreadable lists the revisions whose Secret could not be decoded,
	// each with why.
	Unreadable []Unreadable `json:"unreadable,omitempty"`
}

// Unreadable is a revision whose storage Secret could not be decoded.
type Unreadable struct {
	Secret   string `json:"secret"`
	Revision int    `json:"revision,omitempty"`
	Note     string `json:"note"`
}

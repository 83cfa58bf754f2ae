// Package inspect turns a HelmRelease, a clock reading and the settings of the
// helm-controller that reconciles it into a RetryState: what happened, which
// failure strategy is in force, what the controller will do next and when.
//
// It is pure: no I/O, no clock, no globals. Every rule mirrors a behaviour of
// fluxcd/helm-controller (v1.4.0 - v1.6.x); the comments name where.
package inspect

import (
	"strconv"
	"time"
)

// Phase is the coarse state of a HelmRelease as seen from the retry machinery.
type Phase string

// The phases, in the order a user scanning a fleet cares about them.
const (
	PhaseStalled     Phase = "stalled"     // the controller will not act until something changes
	PhaseRetrying    Phase = "retrying"    // RetryOnFailure: a new attempt after retryInterval
	PhaseRemediating Phase = "remediating" // RemediateOnFailure with retries left
	PhaseFailed      Phase = "failed"      // failed before reaching Helm: retried with backoff
	PhaseWaiting     Phase = "waiting"     // on a dependency or the chart source
	PhaseProgressing Phase = "progressing" // an attempt is running or due now
	PhasePending     Phase = "pending"     // never reconciled yet
	PhaseSuspended   Phase = "suspended"
	PhaseDeleting    Phase = "deleting"
	PhaseReady       Phase = "ready"
)

// Phases lists every phase, for flags, completion and documentation.
func Phases() []Phase {
	return []Phase{PhaseStalled, PhaseRetrying, PhaseRemediating, PhaseFailed, PhaseWaiting,
		PhaseProgressing, PhasePending, PhaseSuspended, PhaseDeleting, PhaseReady}
}

// Failing reports whether the phase is one a user hunting for broken releases
// wants to see: everything but ready, progressing and suspended.
func (p Phase) Failing() bool {
	switch p {
	case PhaseReady, PhaseProgressing, PhaseSuspended:
		return false
	}
	return true
}

// Action is what the controller will do next.
type Action string

// Next actions.
const (
	ActionInstall   Action = "install"
	ActionUpgrade   Action = "upgrade"
	ActionTest      Action = "test"
	ActionRollback  Action = "rollback"
	ActionUninstall Action = "uninstall"
	// ActionCorrectDrift is the drift correction of driftDetection.mode
	// enabled (the controller's "correct cluster drift" action).
	ActionCorrectDrift Action = "correct-drift"
	ActionUnlock       Action = "unlock"
	ActionReconcile    Action = "reconcile" // a periodic or requested reconcile that runs no Helm action
	ActionRecheck      Action = "recheck"   // look at the dependency or source again
	ActionNone         Action = "none"
)

// Strategy names, as in .spec.{install,upgrade}.strategy.name.
const (
	RemediateOnFailure = "RemediateOnFailure"
	RetryOnFailure     = "RetryOnFailure"
)

// Where the strategy in force came from.
const (
	SourceSpec        = "spec"
	SourceDefault     = "default"
	SourceFeatureGate = "featureGate"
)

// RetryState is the answer for one HelmRelease. Its JSON form is the
// documented, stable output of `-o json|yaml` (see docs/schema.md).
type RetryState struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Context is the kubeconfig context the release was read through, set
	// when a command reads several clusters (--contexts, --all-contexts).
	// Analyze leaves it empty.
	Context string `json:"context,omitempty"`
	// Controller is the helm-controller that reconciles the release, when
	// the command matched it to one of the controllers it found.
	Controller *Owner `json:"controller,omitempty"`
	Phase      Phase  `json:"phase"`
	Ready      string `json:"ready"`
	Reason     string `json:"reason,omitempty"`
	Message    string `json:"message,omitempty"`
	Summary    string `json:"summary"`
	// StallReason is the Stalled condition's reason (RetriesExceeded,
	// MissingRollbackTarget, AccessDenied, ...), set when the phase is stalled.
	StallReason string      `json:"stallReason,omitempty"`
	LastAction  string      `json:"lastAttemptedAction,omitempty"`
	Strategy    Strategy    `json:"strategy"`
	Failures    Failures    `json:"failures"`
	Remediation Remediation `json:"remediation"`
	Next        Next        `json:"next"`
	WayOut      []string    `json:"wayOut,omitempty"`    // NextSteps as text, filled by render (Analyze leaves it empty)
	NextSteps   []Step      `json:"nextSteps,omitempty"` // what the user can do, best first
	Warnings    []Warning   `json:"warnings,omitempty"`
	Release     Release     `json:"release"`
	History     []Snapshot  `json:"history,omitempty"`
	Conditions  []Condition `json:"conditions,omitempty"`
	// Generation and ObservedGeneration are metadata.generation and
	// status.observedGeneration: a Ready that belongs to this spec has both
	// equal (and the Ready condition's observedGeneration too).
	Generation         int64 `json:"generation"`
	ObservedGeneration int64 `json:"observedGeneration"`
	// FailingSince is the earliest time the current failure streak can be
	// shown to have started; FailingSinceSource says what shows it
	// ("history": the oldest failed snapshot of the streak, "Released" or
	// "Ready": the condition's lastTransitionTime).
	FailingSince       *time.Time `json:"failingSince,omitempty"`
	FailingSinceSource string     `json:"failingSinceSource,omitempty"`
	// Attempts counts the failed attempts in the streak, where the object
	// shows them (status.failures, or the failure counter of the strategy
	// in force when larger).
	Attempts int64 `json:"attempts"`
	// Stuck and StuckReason are set by `status --check` (Limits.Mark): the
	// release is stalled, or failing past --max-failures or --stuck-after.
	// Analyze leaves them empty.
	Stuck       bool   `json:"stuck,omitempty"`
	StuckReason string `json:"stuckReason,omitempty"`
	// WorkerUntil is set while a reconcile holds one of the controller's
	// --concurrent workers, until this time at the latest: while a Helm
	// action runs (the action, its tests and remediation, the cache wait),
	// during the cache wait after a remediation, and for a few seconds
	// after a reconcile began or a RetryOnFailure attempt failed (see
	// hold.go).
	WorkerUntil *time.Time `json:"workerUntil,omitempty"`
	// queue is what ApplyLoad needs beyond Next (not printed).
	queue queueHint
	// Rollback and RollbackRisks are what a rollback (the last or the next
	// remediation) will not undo. Analyze leaves them empty: only
	// pkg/history fills them, from Helm's storage (--helm-storage).
	Rollback      *RollbackPair  `json:"rollback,omitempty"`
	RollbackRisks []RollbackRisk `json:"rollbackRisks,omitempty"`
}

// Strategy is the failure strategy in force for the action last attempted.
type Strategy struct {
	Name          string   `json:"name"`
	Action        string   `json:"action"`
	Source        string   `json:"source"`
	RetryInterval Duration `json:"retryInterval,omitempty"`
}

// Failures counts failed attempts against what the strategy allows.
type Failures struct {
	// Count is the failure counter the strategy in force checks
	// (status.installFailures or status.upgradeFailures).
	Count int64 `json:"count"`
	// Allowed is how many attempts may fail before the release stalls
	// (retries + 1); -1 when unlimited (negative retries or RetryOnFailure).
	Allowed int64 `json:"allowed"`
	// Exhausted is true once Count has passed the retries.
	Exhausted bool `json:"exhausted"`
	// Total is status.failures: every failed reconcile, whatever the cause.
	Total int64 `json:"total"`
}

// AllowedText is Allowed in words: the number, or "unlimited".
func (f Failures) AllowedText() string {
	if f.Allowed < 0 {
		return "unlimited"
	}
	return strconv.FormatInt(f.Allowed, 10)
}

// Remediation is what RemediateOnFailure does after a failure.
type Remediation struct {
	Strategy   string `json:"strategy,omitempty"` // rollback or uninstall
	Next       Action `json:"next"`               // the remediation the controller runs next, or none
	ToRevision int    `json:"toRevision,omitempty"`
	// Done is true when the last failure has already been remediated
	// (the Remediated condition is True).
	Done bool `json:"done"`
}

// Next is what the controller will do next, and when.
type Next struct {
	Action Action `json:"action"`
	// Earliest and Latest bound when it will start. Both nil: not scheduled
	// (stalled, suspended). Anchored tells whether the window was derived from
	// a time the controller wrote (true) or only bounded from now (false).
	Earliest *time.Time `json:"earliest,omitempty"`
	Latest   *time.Time `json:"latest,omitempty"`
	Anchored bool       `json:"anchored"`
	Overdue  bool       `json:"overdue"`
	// Queued: every controller worker is held (see WorkerUntil), so
	// the attempt waits in the work queue until one frees up; Latest then
	// is when the worker it waits for is free at the latest (see Load).
	Queued bool    `json:"queued,omitempty"`
	Anchor *Anchor `json:"anchor,omitempty"`
	// Rule names the controller behaviour the window comes from (see
	// Rule* constants and docs/schema.md); the ground truth holds each
	// rule's windows to its own width budget.
	Rule string `json:"rule,omitempty"`
	// Bound is set when the window is wider than the controller's own
	// uncertainty for the rule, and says why the evidence the cluster
	// keeps cannot narrow it: the window is a bound, not a prediction.
	Bound string `json:"bound,omitempty"`
	// LoadNote is set on a named release's window when the controller's
	// load (the other releases holding its workers) was not considered,
	// and says why (--no-load, RBAC): the window may then be late.
	LoadNote string `json:"loadNote,omitempty"`
	// Blocked is set while the controller is down (health.go): the window
	// holds only once it is back; and when no controller watches the
	// release (owner.go), for good.
	Blocked string `json:"blocked,omitempty"`
	// Unwatched: no helm-controller selects the release (owner.go), so
	// nothing is scheduled; Why says why none does.
	Unwatched bool `json:"unwatched,omitempty"`
	// Or is a second window for the same action, set when the attempt
	// due in the first may have run already without a trace the cluster
	// shows yet (If says which): a failure that leaves the object as it
	// was is known only by its Event, and the controller records Events
	// asynchronously. The attempt comes in one of the two windows.
	Or  *Window `json:"or,omitempty"`
	Why string  `json:"why"`
}

// Window is Next's other window: the attempt comes in [Earliest, Latest]
// if what If says has happened.
type Window struct {
	Earliest time.Time `json:"earliest"`
	Latest   time.Time `json:"latest"`
	If       string    `json:"if"`
}

// Anchor is the condition the window was computed from.
type Anchor struct {
	Condition string    `json:"condition"`
	Reason    string    `json:"reason"`
	Time      time.Time `json:"time"`
	Interval  Duration  `json:"interval,omitempty"`
}

// StepKind is what a Step asks of the user.
type StepKind string

// Step kinds.
const (
	StepForce  StepKind = "force"  // run `kubectl hrretry force` on this release, with Flags
	StepFix    StepKind = "fix"    // repair the cause; forcing alone will not do
	StepChange StepKind = "change" // change the spec: a new generation resets the failure counters
	StepWait   StepKind = "wait"   // nothing to do: the controller acts on its own
	StepCheck  StepKind = "check"  // look outside the release, at the controller
)

// Step is one way out of the current state: an action, its flags and what
// it does. It carries no command line: render knows the name, namespace
// and how this tool is invoked.
type Step struct {
	Kind StepKind `json:"kind"`
	// Flags are the flags of `force` beyond the release's name and
	// namespace (e.g. --reset); only on a force step.
	Flags []string `json:"flags,omitempty"`
	// Effect is what the step does (force) or what to do (the others).
	Effect string `json:"effect"`
	// Note qualifies the effect: what it buys, what follows, or a caveat.
	Note string `json:"note,omitempty"`
}

// Warning is something a careful operator wants to know.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Release describes what is deployed or was last attempted.
type Release struct {
	Chart            string `json:"chart,omitempty"`
	Version          string `json:"version,omitempty"`
	Revision         int    `json:"revision,omitempty"`
	AttemptedVersion string `json:"attemptedVersion,omitempty"`
	StorageNamespace string `json:"storageNamespace,omitempty"`
}

// Snapshot is one entry of status.history, newest first.
type Snapshot struct {
	Revision     int        `json:"revision"`
	Status       string     `json:"status"`
	Action       string     `json:"action,omitempty"`
	Chart        string     `json:"chart"`
	ChartVersion string     `json:"chartVersion"`
	AppVersion   string     `json:"appVersion,omitempty"`
	LastDeployed *time.Time `json:"lastDeployed,omitempty"`
	Digest       string     `json:"digest,omitempty"`
	ConfigDigest string     `json:"configDigest,omitempty"`
	OCIDigest    string     `json:"ociDigest,omitempty"`
}

// Condition is a status condition, copied for the views.
type Condition struct {
	Type               string    `json:"type"`
	Status             string    `json:"status"`
	Reason             string    `json:"reason,omitempty"`
	Message            string    `json:"message,omitempty"`
	LastTransitionTime time.Time `json:"lastTransitionTime"`
	ObservedGeneration int64     `json:"observedGeneration,omitempty"`
}

// RollbackRisk is one thing a Helm rollback will not undo, found by
// comparing the failed revision's manifest with the rollback target's in
// Helm's storage (pkg/history, with --helm-storage).
type RollbackRisk struct {
	// Kind is the risk's class, stable for scripts: hook, pvc,
	// volumeClaimTemplate, crd, keep, readinessWithoutStartup, image,
	// changed, added, removed.
	Kind string `json:"kind"`
	// Object is Kind/name or Kind/namespace/name as in the manifest.
	Object string `json:"object"`
	Reason string `json:"reason"`
}

// RollbackPair names the revisions a rollback goes from and to.
type RollbackPair struct {
	Failed int `json:"failedRevision"`
	Target int `json:"targetRevision"`
	// Done is true when the rollback already ran (the newest revision is
	// it), false when it is the remediation to come.
	Done bool `json:"done"`
}

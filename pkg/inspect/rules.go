package inspect

// The rules a window comes from (Next.Rule). Each is one behaviour of
// helm-controller v1.6.4; test/groundtruth gives each a width budget from
// the controller's own uncertainty for it, so a rule whose windows grow
// wider than the controller needs fails there.
const (
	// RuleRetryInterval: RetryOnFailure's jittered retryInterval after a
	// failed attempt (AtomicRelease → ErrRetryAfterInterval;
	// HelmReleaseReconciler.reconcileRelease: JitteredRequeueInterval).
	RuleRetryInterval = "retry-interval"
	// RuleRemediationBackoff: the new attempt after a remediation
	// (ErrMustRequeue → Requeue: the 10 s cache wait, then the work
	// queue's backoff).
	RuleRemediationBackoff = "remediation-backoff"
	// RuleErrorBackoff: a reconcile that returned an error (before Helm, or
	// an action that changed nothing in storage): the work queue's
	// exponential backoff (AddRateLimited).
	RuleErrorBackoff = "error-backoff"
	// RulePeriodic: spec.interval after a successful reconcile.
	RulePeriodic = "periodic"
	// RuleDependency: --requeue-dependency while a dependency is not ready.
	RuleDependency = "dependency"
	// RuleSource: the jittered --requeue-dependency while the source is not ready.
	RuleSource = "source"
	// RuleRunning: when the Helm action under way ends at the latest.
	RuleRunning = "running"
	// RuleRequest: a reconcile request or force the controller has not
	// handled yet.
	RuleRequest = "request"
	// RuleDriftRetry: a failed drift correction, tried again.
	RuleDriftRetry = "drift-retry"
	// RuleImmediate: the controller acts as soon as it sees the object
	// (never reconciled, a new generation).
	RuleImmediate = "immediate"
)

// Why a window is a bound (Next.Bound), where the reason is the same for
// every release.
const (
	// The controller rechecks a dependency or source every
	// --requeue-dependency, but no check is recorded on the object (a
	// recheck that finds nothing new writes nothing).
	boundNoCheckTime = "no recheck time: a recheck that finds nothing new writes nothing"
	// An in-sync periodic reconcile moves no condition, so once the
	// anchored window passed, the last one cannot be seen.
	boundNoPeriodicTrace = "no trace of the last periodic reconcile: an in-sync reconcile writes nothing"
	// A failure before Helm keeps the same condition while the work
	// queue's exponent grows; without the release's Events the count of
	// failures in a row is not known.
	boundNoFailureCount = "no failure count: the release's Events were not read"
	// The same for a dependency wait: each recheck records an Event.
	boundDependencyNoEvents = "no recheck time: the release's Events were not read"
	// The drift correction's exponent grows with every failed correction
	// and no counter on the object shows it.
	boundDriftExponent = "backoff step unknown: no counter shows failed drift corrections"
	// Helm gives every hook phase its own timeout; the chart's hook
	// weights are not on the object.
	boundHookPhases = "ends by its timeout for each hook phase; the chart's hooks are not on the object"
	// A queued attempt waits for a worker, and ApplyLoad counts each
	// reconcile holding one at its longest.
	boundQueued = "queued: every worker is held, each reconcile ahead counted at its longest (a Helm action at its timeout); when they end is not on the cluster"
)

package groundtruth

import (
	"fmt"
	"strings"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	apimeta "k8s.io/apimachinery/pkg/api/meta"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// The states of issue 11 ("correctness, wave 2"), made by the real
// controller. Each expectation comes from helm-controller v1.6.4's code (cited
// on the scenario), not from pkg/inspect.
func wave2Scenarios() []scenario {
	return []scenario{
		{"18-spec-change-dependency", specChangeDependency},
		{"19-spec-change-values-missing", specChangeValuesMissing},
		{"20-request-during-action", requestDuringAction},
		{"21-upgrade-fails-before-storage", upgradeFailsBeforeStorage},
		{"22-adoption", adoption},
	}
}

// specChangedBeforeHelm: the spec changed (generation > observedGeneration)
// and the reconcile stopped before Helm: lastAttemptedGeneration is set only
// after the prerequisites (HelmReleaseReconciler.reconcileRelease), so the
// counters were not reset.
func specChangedBeforeHelm(reason string) func(*v2.HelmRelease) bool {
	return func(hr *v2.HelmRelease) bool {
		return hr.Generation > hr.Status.ObservedGeneration && hr.Status.LastAttemptedGeneration < hr.Generation &&
			readyReason(hr) == reason
	}
}

// claimsReset is what the SpecChangedSinceLastAttempt warning must not say
// when the reconcile stops before Helm: the counters are reset only once it
// gets past the prerequisites (action.MustResetFailures).
const claimsReset = `(?i)resets the (failure )?counters`

// 18 (issue 11, 1): a Ready release gets a dependsOn on a release that never
// becomes ready: the controller rechecks every --requeue-dependency
// (reconcileRelease: RequeueAfter, errWaitForDependency swallowed), the
// counters untouched. A force there is a plain recheck: forceAt is read only
// in AtomicRelease.actionForState, never reached.
func specChangeDependency(s *stage) {
	s.publish("base", "template-error", "0.1.0")
	s.publish("app", "ok", "0.1.0")
	s.release("base", spec("base", "1h", retryHourly))
	rec := s.release("app", spec("app", "1h", ""))
	s.waitFor(rec, "the install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return ready(hr) })
	s.update(rec, "dependsOn base (not ready)", func(hr *v2.HelmRelease) {
		hr.Spec.DependsOn = []v2.DependencyReference{{Name: "base"}}
	})
	s.waitFor(rec, "two dependency checks", attemptTimeout(1), func(_ *v2.HelmRelease, a []attempt) bool {
		return len(a) >= 3 && a[len(a)-1].Action == "recheck" && a[len(a)-2].Action == "recheck"
	})
	s.requestForce(rec)
	s.waitFor(rec, "the recheck after the force", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool {
		return !requestPending(hr)
	})
	s.hold(requeueDependency + 2*time.Second)
	if hr := s.get(rec); hr.Status.LastHandledForceAt == hr.Annotations[inspect.AnnotationForceAt] {
		s.t.Errorf("the force was honoured on a release waiting for a dependency: lastHandledForceAt %q", hr.Status.LastHandledForceAt)
	}
	s.wantActions(rec, "install", "recheck", "recheck")
	waiting := expectation{Desc: "spec changed, waiting for a dependency", Match: specChangedBeforeHelm(v2.DependencyNotReadyReason),
		Phase: inspect.PhaseWaiting, Action: inspect.ActionRecheck, Warning: inspect.WarnSpecChanged, NotSaying: claimsReset}
	forced := waiting
	forced.Desc, forced.Warning, forced.NotSaying, forced.WithRequest = "spec changed, waiting for a dependency, force pending", "", "", true
	forced.Match = func(hr *v2.HelmRelease) bool {
		return requestPending(hr) && specChangedBeforeHelm(v2.DependencyNotReadyReason)(hr)
	}
	s.finish(waiting, forced)
}

// 19 (issue 11, 1): a Ready release gets a valuesFrom a ConfigMap that does
// not exist: reconcileRelease returns the error ("ValuesError") before Helm,
// so the controller retries with its error backoff (0.75s doubling, up to
// --max-retry-delay), the counters untouched. Each retry rewrites the same
// conditions: the watch sees only the first; the rest are the controller's
// "Reconciler error" log lines. A force there is another such reconcile.
func specChangeValuesMissing(s *stage) {
	s.publish("app", "ok", "0.1.0")
	rec := s.release("app", spec("app", "1h", ""))
	s.waitFor(rec, "the install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return ready(hr) })
	s.update(rec, "valuesFrom a missing ConfigMap", func(hr *v2.HelmRelease) {
		hr.Spec.ValuesFrom = []v2.ValuesReference{{Kind: "ConfigMap", Name: "missing"}}
	})
	// 0.75 + 1.5 + 3 + 6 + 12 s: five failed reconciles. The next is 24 s
	// away: long enough for a plugin run no reconcile overtakes. Before
	// that, every run on the values-missing state may have been dropped (a
	// reconcile the watch cannot see was logged while it ran), and as those
	// reconciles change nothing the watch shows, the recorder does not run
	// the plugin again by itself: the scenario runs it now, until one run
	// is kept.
	s.waitFor(rec, "five reconciles failing on the values", attemptTimeout(2), func(hr *v2.HelmRelease, a []attempt) bool {
		return len(a) >= 6 && readyReason(hr) == "ValuesError"
	})
	s.viewKept(rec, "the values-missing state", 20*time.Second)
	// The view is resolved by the next reconcile (expectations need a
	// resolved agreement: a force before it would supersede it).
	s.waitFor(rec, "the sixth reconcile failing on the values", attemptTimeout(2)+30*time.Second, func(hr *v2.HelmRelease, a []attempt) bool {
		return len(a) >= 7
	})
	s.requestForce(rec)
	s.waitFor(rec, "the reconcile after the force", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool {
		return !requestPending(hr)
	})
	s.hold(15 * time.Second)
	s.wantActions(rec, "install", "reconcile", "reconcile", "reconcile")
	_, maxDelay, _ := retryDelays()
	failed := expectation{Desc: "spec changed, values missing", Match: specChangedBeforeHelm("ValuesError"),
		Phase: inspect.PhaseFailed, Action: inspect.ActionReconcile, Warning: inspect.WarnSpecChanged, NotSaying: claimsReset,
		Check: func(_ *v2.HelmRelease, p prediction) string {
			// The last failure may be up to a second before the view (the
			// Event's timestamp is truncated) and the requeue fires up to
			// the processing allowance after the delay.
			if l := p.RS.Next.Latest; l != nil && l.After(p.Ran.Add(maxDelay+time.Second+allowance)) {
				return fmt.Sprintf("a window ending by now + --max-retry-delay (%s) + %s", maxDelay, allowance)
			}
			return ""
		}}
	forced := expectation{Desc: "spec changed, values missing, force pending", WithRequest: true,
		Match: func(hr *v2.HelmRelease) bool {
			return requestPending(hr) && specChangedBeforeHelm("ValuesError")(hr)
		},
		Action: inspect.ActionReconcile}
	s.finish(failed, forced)
}

// cacheSyncWait is the longest the controller polls its cache after its
// status patch (HelmReleaseReconciler.Reconcile's deferred
// waitForHistoryCacheSync, 10 s timeout).
const cacheSyncWait = 10 * time.Second

// 20 (issue 11, 2): a force requested while an install runs (its wait takes
// the whole 20 s timeout). controller-runtime's queue never hands out an item
// being processed: the request is handled once the install's reconcile has
// ended (its status patch and cache poll included), and the force then
// upgrades the failed release (actionForState: Failed, RetryOnFailure).
func requestDuringAction(s *stage) {
	const timeout = 20 * time.Second
	s.publish("app", "wait-timeout", "0.1.0")
	rec := s.release("app", specTimeout("app", "1h", timeout.String(), retryHourly))
	s.waitFor(rec, "the running install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool {
		return runningAction(hr, "install")
	})
	s.hold(3 * time.Second)
	token, patched := s.requestForce(rec)
	s.waitFor(rec, "the forced upgrade", attemptTimeout(1)+timeout*2, func(hr *v2.HelmRelease, a []attempt) bool {
		return started(2)(hr, a)
	})
	a := rec.attempts()
	s.waitFor(rec, "its end", attemptTimeout(1)+timeout, func(hr *v2.HelmRelease, _ []attempt) bool { return retrying(hr) && !requestPending(hr) })
	hr := s.get(rec)
	if hr.Status.LastHandledForceAt != token {
		s.t.Errorf("the force %q was not honoured: lastHandledForceAt %q", token, hr.Status.LastHandledForceAt)
	}
	installEnd := firstStateAfter(rec, a[0].At, func(hr *v2.HelmRelease) bool { return !runningAction(hr, "install") })
	s.note("a force requested %.1fs into a running install (timeout %s) was handled %.1fs after the request, %.1fs after the install's end (%.1fs after the install started)",
		patched.Sub(a[0].At).Seconds(), timeout, a[1].At.Sub(patched).Seconds(), a[1].At.Sub(installEnd).Seconds(), a[1].At.Sub(a[0].At).Seconds())
	s.wantActions(rec, "install", "upgrade")
	s.finish(expectation{Desc: "force requested while the install runs", WithRequest: true,
		// Running: Ready still Unknown. Once Ready turns False the install has
		// ended (the state between its failure and the strategy's next step).
		Match: func(hr *v2.HelmRelease) bool {
			return requestPending(hr) && runningAction(hr, "install") && !apimeta.IsStatusConditionFalse(hr.Status.Conditions, "Ready")
		},
		Phase: inspect.PhaseProgressing, Action: inspect.ActionUpgrade,
		Check: func(hr *v2.HelmRelease, p prediction) string {
			c := reconciling(hr)
			bound := c.LastTransitionTime.Add(timeout + cacheSyncWait)
			what := "the install's timeout"
			if cancelGate() {
				// helper.IsObjectEnqueued in reconcileRelease: the request
				// cancels the install's health checks, which returns
				// HealthCheckCanceled with a requeue (the cache wait, then
				// the backoff): measured 10.3 s after the request.
				bound, what = patched.Add(cacheSyncWait-time.Second), "the request"
			}
			if l := p.RS.Next.Latest; l == nil || l.Before(bound) {
				return fmt.Sprintf("a window ending no earlier than %s + the %s cache wait (%s)", what, cacheSyncWait, bound.Format(time.RFC3339))
			}
			return ""
		}})
}

// runningAction: Reconciling says the action is running.
func runningAction(hr *v2.HelmRelease, action string) bool {
	c := reconciling(hr)
	return progressing(c) && strings.HasPrefix(c.Message, "Running '"+action+"' action")
}

// firstStateAfter is when the first state after t satisfying cond arrived
// (t itself if none).
func firstStateAfter(rec *recorder, t time.Time, cond func(*v2.HelmRelease) bool) time.Time {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, st := range rec.states {
		if st.At.After(t) && cond(st.HR) {
			return st.At
		}
	}
	return t
}

// 21 (issue 11, 3): an upgrade failed in Helm storage (wait-timeout, upgrade
// retries 0, remediateLastFailure false: the failed snapshot stays, the
// release stalls); then a chart version that does not render. The version
// change resets the counters (action.MustResetFailures), so the Failed
// release is upgraded ("release conditions have changed since last
// failure"); that upgrade fails before storage (Upgrade.Reconcile returns
// the error, nothing counted) and the controller retries it with its error
// backoff: nothing is remediated.
func upgradeFailsBeforeStorage(s *stage) {
	s.publish("app", "ok", "0.1.0")
	rec := s.release("app", spec("app", "1h", `
install:
  strategy: {name: RemediateOnFailure}
upgrade:
  strategy: {name: RemediateOnFailure}
  remediation: {retries: 0}
`))
	s.waitFor(rec, "the install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return ready(hr) })
	s.publishFix(rec, "app", "wait-timeout", "0.2.0")
	s.waitFor(rec, "the stall after the failed upgrade", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return stalled(hr) })
	// "Nothing next" must be watched for minQuiet to resolve the stalled
	// view (a change before that supersedes it).
	s.hold(minQuiet + 2*time.Second)
	rec.settle(settleWithin)
	s.publishFix(rec, "app", "template-error", "0.3.0")
	s.waitFor(rec, "four upgrades of 0.3.0", attemptTimeout(2), func(hr *v2.HelmRelease, a []attempt) bool {
		return len(a) >= 6 && !a[len(a)-1].Open
	})
	hr := s.get(rec)
	if l := hr.Status.History.Latest(); l == nil || l.Status != "failed" || !strings.HasPrefix(l.ChartVersion, "0.2.0+") {
		s.t.Errorf("the latest snapshot is %+v; want the failed upgrade to 0.2.0", l)
	}
	s.wantActions(rec, "install", "upgrade", "upgrade", "upgrade", "upgrade", "upgrade")
	s.finish(expectStalled(), expectation{Desc: "upgrade failed before storage, older failed snapshot",
		Match: func(hr *v2.HelmRelease) bool {
			c := reconciling(hr)
			return strings.HasPrefix(hr.Status.LastAttemptedRevision, "0.3.0+") && progressing(c) && c.Message != prerequisites &&
				readyReason(hr) == v2.UpgradeFailedReason
		},
		Phase: inspect.PhaseFailed, Action: inspect.ActionUpgrade})
}

// 22 (issue 11, 6): adoption. Release a installs "shared" and is deleted
// while suspended (reconcileDelete: no uninstall), leaving the Helm release
// in storage; release b, with the same release name and an empty history,
// finds it (DetermineReleaseState: Unmanaged) and upgrades it
// (actionForState: ClearHistory + upgrade). b's chart never becomes ready
// (RetryOnFailure): it keeps upgrading.
func adoption(s *stage) {
	s.publish("a", "ok", "0.1.0")
	s.publish("b", "wait-timeout", "0.1.0")
	a := s.release("a", spec("a", "1h", "releaseName: shared\n"))
	s.waitFor(a, "a's install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return ready(hr) })
	s.update(a, "suspended", func(hr *v2.HelmRelease) { hr.Spec.Suspend = true })
	s.waitFor(a, "the suspended reconcile", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool {
		return hr.Status.ObservedGeneration == hr.Generation
	})
	s.hold(minQuiet + time.Second) // "nothing next" for the suspended a, long enough to count
	a.stop(s.w.logs)
	s.deleteRelease(a)
	b := s.release("b", spec("b", "1h", "releaseName: shared\n"+retryBoth))
	s.waitFor(b, "two upgrades", attemptTimeout(2), started(2))
	s.wantActions(a, "install")
	s.wantActions(b, "upgrade", "upgrade")
	s.finish(expectation{Desc: "suspended", Match: func(hr *v2.HelmRelease) bool { return hr.Spec.Suspend },
		Phase: inspect.PhaseSuspended, Action: inspect.ActionNone},
		expectation{Desc: "adopted release failed to upgrade", Match: retrying,
			Phase: inspect.PhaseRetrying, Action: inspect.ActionUpgrade})
}

// driftedCondition: Drifted is True.
func driftedCondition(hr *v2.HelmRelease) bool {
	return apimeta.IsStatusConditionTrue(hr.Status.Conditions, v2.DriftedCondition)
}

package groundtruth

import (
	"strings"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	rbacv1 "k8s.io/api/rbac/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// The force scenarios run `kubectl hrretry force` against the controller and
// check what the controller then does, and what the plugin reports.
func forceScenarios() []scenario {
	return []scenario{
		{"13-force-wait-retrying", forceWaitOnRetrying},
		{"14-force-wait-fixed", forceWaitThenFixed},
		{"15-force-reset-stalled", forceResetOnStalled},
		{"16-force-dependency", forceOnDependencyWait},
		{"17-force-suspended", forceOnSuspended},
	}
}

// retryHourly is RetryOnFailure every hour: no natural retry happens while
// a scenario runs, so every attempt after the first is the force's.
const retryHourly = `
install:
  strategy: {name: RetryOnFailure, retryInterval: 1h}
upgrade:
  strategy: {name: RetryOnFailure, retryInterval: 1h}
`

// forceReaction bounds the time from the test's watch seeing the force's
// patch to the start of the attempt it caused: the controller's watch, its
// reconcile prologue and the test's watch, on a loaded machine. (The
// plugin's own start-up before the patch, 0.1-3.5 s here, is not in it.)
const forceReaction = 5 * time.Second

// 13: a failing RetryOnFailure release with an hour to its next retry:
// force --wait makes the controller try now; the plugin reports the
// failure with the controller's error and the next retry, an hour later.
func forceWaitOnRetrying(s *stage) {
	s.publish("app", "template-error", "0.1.0")
	rec := s.release("app", spec("app", "1h", retryHourly))
	s.waitFor(rec, "the failed install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return retrying(hr) })
	fr := s.force(rec, true, "--wait", "--timeout", forceTimeout)
	s.wantAttempt(rec, fr, "install")
	hr := s.get(rec)
	s.wantHandled(hr, true, false)
	if ready := apimeta.FindStatusCondition(hr.Status.Conditions, "Ready"); ready == nil ||
		!strings.Contains(fr.Message, strings.TrimSpace(strings.SplitN(ready.Message, "\n", 2)[0])) {
		s.t.Errorf("the plugin's message %q does not carry the controller's error (Ready: %+v)", fr.Message, ready)
	}
	s.wantNextWindow(fr, "install", time.Hour)
	s.want(fr, "failed", 1)
	s.wantActions(rec, "install", "install")
	s.finish(expectRetry(inspect.ActionInstall))
}

// 14: an install the release's service account may not apply, retried
// hourly. The fix is outside what the controller watches (a Role; a new
// chart revision would be reconciled by itself, as in 10), so the force
// is what makes it converge now.
func forceWaitThenFixed(s *stage) {
	read := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets", "configmaps"}, Verbs: []string{"*"}}
	s.serviceAccount("deployer", []rbacv1.PolicyRule{read,
		{APIGroups: []string{""}, Resources: []string{"services"}, Verbs: []string{"get", "list", "watch"}}})
	s.publish("app", "apply-denied", "0.1.0")
	rec := s.release("app", spec("app", "1h", "serviceAccountName: deployer\n"+retryHourly))
	s.waitFor(rec, "the failed install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return retrying(hr) })
	err := rec.intervene("Role deployer may create Services", false, func() error {
		role := &rbacv1.Role{}
		if err := s.w.cl.c.Get(s.ctx, client.ObjectKey{Namespace: s.ns, Name: "deployer"}, role); err != nil {
			return err
		}
		role.Rules = []rbacv1.PolicyRule{read, {APIGroups: []string{""}, Resources: []string{"services"}, Verbs: []string{"*"}}}
		return s.w.cl.c.Update(s.ctx, role)
	})
	if err != nil {
		s.t.Fatal(err)
	}
	fr := s.force(rec, true, "--wait", "--timeout", forceTimeout)
	s.wantAttempt(rec, fr, "upgrade")
	s.wantHandled(s.get(rec), true, false)
	if !strings.Contains(fr.Message, "Helm upgrade succeeded") {
		s.t.Errorf("the plugin's message %q is not the controller's Ready message", fr.Message)
	}
	s.want(fr, "ready", 0)
	s.wantActions(rec, "install", "upgrade")
	s.finish(expectation{Desc: "retrying after a failed install in storage", Match: retrying,
		Phase: inspect.PhaseRetrying, Action: inspect.ActionUpgrade}, expectReady())
}

// 16: a release waiting for a dependency that never becomes ready: the
// controller handles the request as a plain reconcile and stops at the
// dependency, so the force is not honoured, and `status` says so.
func forceOnDependencyWait(s *stage) {
	s.publish("base", "template-error", "0.1.0")
	s.publish("app", "ok", "0.1.0")
	s.release("base", spec("base", "1h", retryHourly))
	rec := s.release("app", spec("app", "1h", "dependsOn: [{name: base}]"))
	// Two checks: a check logged within 3s of the first reconcile's start
	// would be taken for that reconcile (mergeBefore).
	s.waitFor(rec, "two dependency checks", attemptTimeout(1), started(2))
	fr := s.force(rec, true, "--wait", "--timeout", forceTimeout)
	s.wantAttempt(rec, fr, "recheck")
	s.wantHandled(s.get(rec), false, false)
	if rs := s.status(rec); !warns(rs, inspect.WarnForceIgnored) || rs.Phase != inspect.PhaseWaiting {
		s.t.Errorf("status after the force: phase %s, warnings %v; want waiting with %s", rs.Phase, warningCodes(rs), inspect.WarnForceIgnored)
	}
	s.want(fr, "not-honoured", 3)
	// The forced recheck can be logged before the test's watch delivers the
	// patch: watch the next periodic one, so the pending state's window is
	// always resolved.
	s.hold(requeueDependency + time.Second)
	// A pending force changes nothing: the reconcile stops at the dependency.
	s.finish(expectation{Desc: "dependency not ready",
		Match: func(hr *v2.HelmRelease) bool { return readyReason(hr) == v2.DependencyNotReadyReason },
		Phase: inspect.PhaseWaiting, Action: inspect.ActionRecheck, WithRequest: true})
}

// 17: a release created suspended: force is refused and writes nothing;
// force --resume unsuspends it in the same patch and the controller
// installs it.
func forceOnSuspended(s *stage) {
	s.publish("app", "ok", "0.1.0")
	rec := s.release("app", spec("app", "1h", "suspend: true"))
	s.waitFor(rec, "the suspended reconcile", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool {
		return len(hr.Finalizers) > 0 && hr.Status.ObservedGeneration == hr.Generation
	})
	// "Nothing next" must be watched for minQuiet before the resume
	// supersedes it.
	s.hold(quiet)
	refused := s.force(rec, false, "--wait", "--timeout", forceTimeout)
	if hr := s.get(rec); hr.Annotations[inspect.AnnotationRequestedAt] != "" || !hr.Spec.Suspend {
		s.t.Errorf("a refused force changed the release: annotations %v, suspend %v", hr.Annotations, hr.Spec.Suspend)
	}
	s.want(refused, "refused", 1)
	fr := s.force(rec, true, "--resume", "--wait", "--timeout", forceTimeout)
	s.wantAttempt(rec, fr, "install")
	hr := s.get(rec)
	s.wantHandled(hr, true, false)
	if hr.Spec.Suspend {
		s.t.Errorf("force --resume left spec.suspend true")
	}
	s.want(fr, "ready", 0)
	s.wantActions(rec, "install")
	s.finish(expectation{Desc: "suspended", Match: func(hr *v2.HelmRelease) bool { return hr.Spec.Suspend },
		Phase: inspect.PhaseSuspended, Action: inspect.ActionNone}, expectReady())
}

// wantAttempt: the force made the controller start action within
// forceReaction.
func (s *stage) wantAttempt(rec *recorder, fr *forceRun, action string) {
	s.t.Helper()
	a := s.attemptAfter(rec, fr, forceReaction)
	if a == nil {
		return
	}
	if fr.Patched.IsZero() {
		return // seeToken said so
	}
	if a.Action != action || a.At.Sub(fr.Patched) > forceReaction {
		s.t.Errorf("%s: the controller started %s %s after the force's patch; want %s within %s",
			rec.name, a.Action, offset(a.At, fr.Patched), action, forceReaction)
	}
}

// wantHandled: the controller handled the token the force wrote as a
// reconcile, and the force (and reset) requests as given.
func (s *stage) wantHandled(hr *v2.HelmRelease, force, reset bool) {
	s.t.Helper()
	token := hr.Annotations[inspect.AnnotationRequestedAt]
	st := hr.Status
	if token == "" || st.LastHandledReconcileAt != token || (st.LastHandledForceAt == token) != force ||
		(st.LastHandledResetAt == token) != reset {
		s.t.Errorf("token %q: lastHandledReconcileAt %q, lastHandledForceAt %q, lastHandledResetAt %q; want force handled %v, reset handled %v",
			token, st.LastHandledReconcileAt, st.LastHandledForceAt, st.LastHandledResetAt, force, reset)
	}
}

// wantNextWindow: the failed outcome names the next attempt, about after
// the force.
func (s *stage) wantNextWindow(fr *forceRun, action string, after time.Duration) {
	s.t.Helper()
	// "next: ACTION between T1 and T2", or "next: ACTION T1/T2" (ISO 8601
	// interval).
	_, window, ok := strings.Cut(fr.Message, "; next: "+action+" ")
	window = strings.TrimPrefix(window, "between ")
	window, _, _ = strings.Cut(window, ";")
	from, to, ok2 := strings.Cut(window, " and ")
	if !ok2 {
		from, to, ok2 = strings.Cut(window, "/")
	}
	if f := strings.Fields(to); len(f) > 0 {
		to = f[0]
	}
	earliest, err1 := time.Parse(time.RFC3339, from)
	latest, err2 := time.Parse(time.RFC3339, to)
	if !ok || !ok2 || err1 != nil || err2 != nil {
		s.t.Errorf("the plugin's message %q has no next %s window", fr.Message, action)
		return
	}
	// The retry interval runs from the failure (after Start), jittered by
	// --interval-jitter-percentage, plus 5 % either way.
	j := time.Duration(jitterPercent(s.t) + 5)
	lo, hi := fr.Start.Add(after*(100-j)/100), fr.End.Add(after*(100+j)/100)
	if earliest.Before(lo) || latest.After(hi) || latest.Before(earliest) {
		s.t.Errorf("next %s in [%s, %s]; want within [%s, %s]", action, earliest, latest, lo, hi)
	}
}

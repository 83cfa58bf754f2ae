package groundtruth

import (
	"fmt"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/test/fixtures/charts"
)

func wave3Scenarios() []scenario {
	return []scenario{
		{"37-values-missing-repeated", valuesMissingRepeated},
		{"38-source-not-ready", sourceNotReady},
		{"39-test-timeout-remediate", testTimeoutRemediate},
	}
}

// 39 (issue 21): as 4 (a test Pod that never runs: `helm test` times out)
// under RemediateOnFailure with 1 retry. The failed test counts against
// install.remediation (Test.failure: IncrementFailureCount unless test
// failures are ignored), DetermineReleaseState finds the release Failed,
// actionForState uninstalls it (install's default remediation) and requeues
// (ErrMustRequeue: the cache wait, the backoff), the second install's test
// fails too, and with the retries exhausted and remediateLastFailure off for
// install, the release stalls.
func testTimeoutRemediate(s *stage) {
	s.publish("app", "test-hook", "0.1.0")
	rec := s.release("app", spec("app", "1m", `
test: {enable: true, timeout: 5s}
install:
  strategy: {name: RemediateOnFailure}
  remediation: {retries: 1}
`))
	s.waitFor(rec, "the stall", attemptTimeout(2)+30*time.Second, func(hr *v2.HelmRelease, _ []attempt) bool { return stalled(hr) })
	s.hold(quiet)
	s.wantActions(rec, "install", "install")
	s.finish(expectStalled(), expectation{Desc: "test failed, uninstalled, retries left", Match: retrying,
		Phase: inspect.PhaseRemediating, Action: inspect.ActionInstall})
}

// 38 (issue 21): a release whose OCIRepository source-controller has not
// reconciled yet (no status): reconcileRelease finds the source not ready
// (isSourceReady: "latest generation of object has not been reconciled"),
// marks Ready False SourceNotReady and returns the jittered
// --requeue-dependency, no Event: the controller rechecks every 5 s (±j)
// with nothing new on the object. Then the chart is published: the
// OCIRepository watch starts the install.
func sourceNotReady(s *stage) {
	s.unreadySource("app")
	rec := s.release("app", spec("app", "1h", ""))
	s.waitFor(rec, "three rechecks of the source", attemptTimeout(1), func(_ *v2.HelmRelease, a []attempt) bool {
		return len(a) >= 3 && a[len(a)-1].Action == "recheck"
	})
	for range 3 {
		rec.runPlugin(s.ctx, true)
		s.hold(2 * time.Second)
	}
	s.publish("app", "ok", "0.1.0")
	s.waitFor(rec, "the install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return ready(hr) })
	s.finish(expectation{Desc: "source not ready", Match: func(hr *v2.HelmRelease) bool { return readyReason(hr) == "SourceNotReady" },
		Phase: inspect.PhaseWaiting, Action: inspect.ActionRecheck})
}

// unreadySource creates the OCIRepository name with no status, as before
// source-controller's first reconcile.
func (s *stage) unreadySource(name string) {
	s.t.Helper()
	repo := &unstructured.Unstructured{}
	repo.SetGroupVersionKind(charts.OCIRepository)
	repo.SetNamespace(s.ns)
	repo.SetName(name)
	repo.Object["spec"] = map[string]any{"url": "oci://127.0.0.1/unready", "interval": "10m", "ref": map[string]any{"tag": "0.1.0"}}
	if err := s.w.cl.c.Create(s.ctx, repo); err != nil {
		s.t.Fatalf("OCIRepository %s: %v", name, err)
	}
}

// 37 (issue 21): a Ready release gets a valuesFrom a ConfigMap that does not
// exist and fails before Helm eight times in a row: reconcileRelease
// returns the ValuesError (r.Eventf first), controller-runtime requeues it
// rate-limited, 0.75 s doubling (ItemExponentialFailureRateLimiter; the
// install's success had made the queue Forget the release). The object
// does not change from one failure to the next, so the binary is also run
// every 3 s: each such view must contain the next reconcile (the verdict)
// and, from the third failure on, be no wider than half the real step plus
// 5 s (the width the Event's count and times allow).
func valuesMissingRepeated(s *stage) {
	rec := s.readyThenValuesMissing()
	// 0.75 + 1.5 + ... + 48 s: seven steps, eight failures, then one
	// more step of 96 s that the last views are judged against.
	deadline := time.Now().Add(5 * time.Minute)
	for len(failuresBeforeHelm(rec.attempts())) < 9 && time.Now().Before(deadline) {
		rec.runPlugin(s.ctx, true)
		s.hold(3 * time.Second)
	}
	s.wantActions(rec, "install", "reconcile", "reconcile", "reconcile", "reconcile", "reconcile", "reconcile", "reconcile", "reconcile")
	s.checkWidths(rec, 3)
	s.finish(expectation{Desc: "values missing, failing before Helm", Match: specChangedBeforeHelm("ValuesError"),
		Phase: inspect.PhaseFailed, Action: inspect.ActionReconcile})
}

// readyThenValuesMissing installs a release and, once it is Ready, gives it
// a valuesFrom a ConfigMap that does not exist: from then on it fails
// before Helm, rate-limited from the first step (the install's success
// made the work queue forget it).
func (s *stage) readyThenValuesMissing() *recorder {
	s.publish("app", "ok", "0.1.0")
	rec := s.release("app", spec("app", "1h", ""))
	s.waitFor(rec, "the install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return ready(hr) })
	s.update(rec, "valuesFrom a missing ConfigMap", func(hr *v2.HelmRelease) {
		hr.Spec.ValuesFrom = []v2.ValuesReference{{Kind: "ConfigMap", Name: "missing"}}
	})
	return rec
}

// failuresBeforeHelm is the reconciles that failed before Helm.
func failuresBeforeHelm(as []attempt) []attempt { return attemptsOfAction(as, "reconcile") }

// attemptsOfAction is the attempts that ran action.
func attemptsOfAction(as []attempt, action string) []attempt {
	var out []attempt
	for _, a := range as {
		if a.Action == action {
			out = append(out, a)
		}
	}
	return out
}

// checkWidths holds every view made after the minFailures-th failure before
// Helm to the width the issue allows: half the real step (the gap from the
// failure before the view to the attempt after it) plus 5 s. Containment is
// the verdict's; this is the sharpness.
func (s *stage) checkWidths(rec *recorder, minFailures int) {
	s.t.Helper()
	fails := failuresBeforeHelm(rec.attempts())
	rec.mu.Lock()
	preds := append([]prediction(nil), rec.preds...)
	rec.mu.Unlock()
	checked, noted := 0, map[int]bool{}
	for _, p := range preds {
		if !p.Polled || p.RS.Next.Earliest == nil || p.RS.Next.Latest == nil {
			continue
		}
		k := 0
		for k < len(fails) && fails[k].At.Before(p.Ran) {
			k++
		}
		if k < minFailures || k >= len(fails) {
			continue
		}
		step := fails[k].At.Sub(fails[k-1].At)
		width := p.RS.Next.Latest.Sub(*p.RS.Next.Earliest)
		if or := p.RS.Next.Or; or != nil {
			width = max(width, or.Latest.Sub(or.Earliest)) // each of the two windows
		}
		budget := step/2 + 5*time.Second
		checked++
		if !noted[k] {
			noted[k] = true
			s.note("views after failure %d: window %.1f s wide (bound %q), real step %.1f s, budget %.1f s",
				k, width.Seconds(), p.RS.Next.Bound, step.Seconds(), budget.Seconds())
		}
		if width > budget {
			s.t.Errorf("%s: the view at %s (after failure %d) is %.1f s wide, over half the real step (%.1f s) + 5 s: %s",
				rec.name, p.Ran.Format("15:04:05.000"), k, width.Seconds(), step.Seconds(), fmt.Sprint(p.RS.Next.Why))
		}
	}
	if checked == 0 {
		s.t.Errorf("%s: no view after failure %d was checked for width", rec.name, minFailures)
	}
}

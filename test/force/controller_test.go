package force

import (
	"context"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// behaviourLabel tells the fake controller what to do with an object.
const behaviourLabel = "fake-controller"

// Behaviours of the fake controller when it sees a new requestedAt token.
const (
	succeed    = "succeed"    // runs an upgrade (Reconciling "Running ..."), then Ready
	failAgain  = "fail"       // the forced upgrade fails; RetryOnFailure retries after 1m
	dependency = "dependency" // stops at a dependency: handles the reconcile, not the force
	silent     = "silent"     // never handles anything (a controller that is down)
)

// runFakeController handles reconcile requests in namespace ns until ctx ends.
func runFakeController(ctx context.Context, t *testing.T, ns string) {
	t.Helper()
	wc, err := client.NewWithWatch(s.cp.Admin, client.Options{Scheme: s.admin.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	w, err := wc.Watch(ctx, &v2.HelmReleaseList{}, client.InNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer w.Stop()
		for ev := range w.ResultChan() {
			hr, ok := ev.Object.(*v2.HelmRelease)
			if !ok {
				continue
			}
			token := hr.Annotations["reconcile.fluxcd.io/requestedAt"]
			if token == "" || token == hr.Status.LastHandledReconcileAt || hr.Spec.Suspend {
				continue
			}
			if err := handle(ctx, hr, token); err != nil && ctx.Err() == nil {
				t.Errorf("fake controller: %s/%s: %v", hr.Namespace, hr.Name, err)
			}
		}
	}()
}

// handle writes what helm-controller writes for the object's behaviour.
func handle(ctx context.Context, seen *v2.HelmRelease, token string) error {
	behaviour := seen.Labels[behaviourLabel]
	if behaviour == silent {
		return nil
	}
	forced := seen.Annotations["reconcile.fluxcd.io/forceAt"] == token
	reset := seen.Annotations["reconcile.fluxcd.io/resetAt"] == token
	if behaviour == succeed && forced {
		// The Helm action runs first: the force is handled, the reconcile not yet.
		if err := writeStatus(ctx, seen, func(st *v2.HelmReleaseStatus) {
			st.LastHandledForceAt = token
			apimeta.RemoveStatusCondition(&st.Conditions, "Stalled")
			mark(st, "Reconciling", "True", "Progressing", "Running 'upgrade' action with timeout of 5m0s")
			mark(st, "Ready", "Unknown", "Progressing", "Running 'upgrade' action with timeout of 5m0s")
		}); err != nil {
			return err
		}
		time.Sleep(300 * time.Millisecond) // the upgrade itself
	}
	return writeStatus(ctx, seen, func(st *v2.HelmReleaseStatus) {
		st.LastHandledReconcileAt = token
		// Every reconcile starts with MarkReconciling, which deletes Stalled.
		apimeta.RemoveStatusCondition(&st.Conditions, "Stalled")
		switch behaviour {
		case dependency:
			mark(st, "Reconciling", "True", "Progressing", "Fulfilling prerequisites")
			mark(st, "Ready", "False", "DependencyNotReady", "dependency 'force/database' is not ready")
			return
		case failAgain:
			st.Failures++
			now := metav1.Now()
			st.History = v2.Snapshots{{Version: 2, Status: "failed", Name: seen.Name, Namespace: seen.Namespace,
				ChartName: "app", ChartVersion: "1.0.1", Action: v2.ReleaseActionUpgrade, Digest: "sha256:fake",
				ConfigDigest: "sha256:fake", FirstDeployed: now, LastDeployed: now}}
			mark(st, "Reconciling", "True", "ProgressingWithRetry", "retrying after 1m0s")
			mark(st, "Ready", "False", "UpgradeFailed", "Helm upgrade failed for release force/app: fake failure")
		default:
			apimeta.RemoveStatusCondition(&st.Conditions, "Reconciling")
			mark(st, "Ready", "True", "UpgradeSucceeded", "Helm upgrade succeeded for release force/app.v2 with chart app@1.0.1")
		}
		if forced {
			st.LastHandledForceAt = token
		}
		if reset {
			st.LastHandledResetAt, st.Failures, st.UpgradeFailures = token, 0, 0
		}
		st.LastAttemptedReleaseAction = v2.ReleaseActionUpgrade
		st.ObservedGeneration = seen.Generation
	})
}

func writeStatus(ctx context.Context, seen *v2.HelmRelease, change func(*v2.HelmReleaseStatus)) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		hr := &v2.HelmRelease{}
		if err := s.admin.Get(ctx, client.ObjectKeyFromObject(seen), hr); err != nil {
			return err
		}
		change(&hr.Status)
		return s.admin.Status().Update(ctx, hr)
	})
}

func mark(st *v2.HelmReleaseStatus, typ, status, reason, msg string) {
	apimeta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: typ, Status: metav1.ConditionStatus(status),
		Reason: reason, Message: msg, ObservedGeneration: 1})
}

// newRelease creates a HelmRelease with a behaviour and extra annotations,
// in namespace ns, with a Ready status like a healthy controller left it.
func newRelease(t *testing.T, ns, name, behaviour string, mutate ...func(*v2.HelmRelease)) *v2.HelmRelease {
	t.Helper()
	ctx := context.Background()
	if err := fixtures.EnsureNamespace(ctx, s.admin, ns); err != nil {
		t.Fatal(err)
	}
	hr := &v2.HelmRelease{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns,
		// The controller adds its finalizer on the first reconcile.
		Finalizers:  []string{v2.HelmReleaseFinalizer},
		Labels:      map[string]string{behaviourLabel: behaviour},
		Annotations: map[string]string{"team.example.com/owner": "payments"}},
		Spec: v2.HelmReleaseSpec{Interval: metav1.Duration{Duration: time.Minute},
			ChartRef: &v2.CrossNamespaceSourceReference{Kind: "OCIRepository", Name: "app"}}}
	for _, m := range mutate {
		m(hr)
	}
	if err := s.admin.Create(ctx, hr); err != nil {
		t.Fatal(err)
	}
	if err := writeStatus(ctx, hr, func(st *v2.HelmReleaseStatus) {
		st.ObservedGeneration = hr.Generation
		mark(st, "Ready", "False", "UpgradeFailed", "Helm upgrade failed for release "+ns+"/"+name+": earlier failure")
		mark(st, "Stalled", "True", "RetriesExceeded", "Failed to upgrade after 1 attempt(s)")
		st.LastAttemptedReleaseAction, st.UpgradeFailures, st.Failures = v2.ReleaseActionUpgrade, 1, 1
	}); err != nil {
		t.Fatal(err)
	}
	return hr
}

package historytest

import (
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func mt(d time.Duration) metav1.Time { return metav1.NewTime(at(d)) }

// Object is the HelmRelease of the story after the rollback: its history,
// conditions and handled requests.
func Object() *v2.HelmRelease {
	snap := func(v int, status string, action v2.ReleaseAction, version string, last time.Duration) *v2.Snapshot {
		return &v2.Snapshot{Name: Name, Namespace: Namespace, Version: v, Status: status, Action: action,
			ChartName: Name, ChartVersion: version, Digest: "sha256:d" + version, ConfigDigest: "sha256:c" + version,
			FirstDeployed: mt(0), LastDeployed: mt(last)}
	}
	tests := map[string]*v2.TestHookStatus{"shop-test": {LastStarted: mt(time.Minute), LastCompleted: mt(time.Minute + 20*time.Second), Phase: "Succeeded"}}
	v1 := snap(1, "superseded", v2.ReleaseActionInstall, "1.0.0", 0)
	v1.TestHooks = &tests
	hr := &v2.HelmRelease{
		TypeMeta:   metav1.TypeMeta{APIVersion: v2.GroupVersion.String(), Kind: "HelmRelease"},
		ObjectMeta: metav1.ObjectMeta{Name: Name, Namespace: Namespace, Generation: 2},
		Status: v2.HelmReleaseStatus{
			ObservedGeneration: 2, StorageNamespace: Namespace,
			History: v2.Snapshots{
				snap(3, "deployed", v2.ReleaseActionRollback, "1.0.0", 16*time.Minute),
				snap(2, "failed", v2.ReleaseActionUpgrade, "2.0.0", 10*time.Minute),
				v1,
			},
			Conditions: []metav1.Condition{
				{Type: "Ready", Status: metav1.ConditionFalse, Reason: "RollbackSucceeded", LastTransitionTime: mt(16*time.Minute + time.Second),
					Message: "Helm rollback to previous release apps/shop.v1 with chart shop@1.0.0 succeeded"},
				{Type: "Released", Status: metav1.ConditionFalse, Reason: "UpgradeFailed", LastTransitionTime: mt(15 * time.Minute),
					Message: "Helm upgrade failed for release apps/shop with chart shop@2.0.0: context deadline exceeded"},
				{Type: "Remediated", Status: metav1.ConditionTrue, Reason: "RollbackSucceeded", LastTransitionTime: mt(16*time.Minute + time.Second),
					Message: "Helm rollback to previous release apps/shop.v1 with chart shop@1.0.0 succeeded"},
			},
			LastAttemptedReleaseAction: v2.ReleaseActionUpgrade,
			LastAttemptedRevision:      "2.0.0",
			UpgradeFailures:            1,
			Failures:                   1,
		},
	}
	hr.Status.LastHandledReconcileAt = at(9 * time.Minute).Format(time.RFC3339Nano)
	hr.Status.LastHandledForceAt = "not-a-time"
	return hr
}

// Events are the story's Events: the upgrade failure through both APIs
// (one object, one UID), the rollback through events.k8s.io only, and an
// Event about another release that a field selector leaves out.
func Events() ([]eventsv1.Event, []corev1.Event) {
	ann := func(rev string) map[string]string {
		return map[string]string{"helm.toolkit.fluxcd.io/revision": rev, "helm.toolkit.fluxcd.io/token": "sha256:c" + rev}
	}
	ref := corev1.ObjectReference{Kind: "HelmRelease", Namespace: Namespace, Name: Name, APIVersion: v2.GroupVersion.String()}
	failed := metav1.ObjectMeta{Name: Name + ".1", Namespace: Namespace, UID: types.UID("uid-failed"), Annotations: ann("2.0.0")}
	rolled := metav1.ObjectMeta{Name: Name + ".2", Namespace: Namespace, UID: types.UID("uid-rollback"), Annotations: ann("1.0.0")}
	other := metav1.ObjectMeta{Name: "other.1", Namespace: Namespace, UID: types.UID("uid-other")}
	otherRef := ref
	otherRef.Name = "other"
	evs := []eventsv1.Event{
		{ObjectMeta: failed, Regarding: ref, Type: "Warning", Reason: "UpgradeFailed", Note: "Helm upgrade failed for release apps/shop with chart shop@2.0.0: context deadline exceeded",
			DeprecatedLastTimestamp: mt(15 * time.Minute), DeprecatedCount: 1, ReportingController: "helm-controller"},
		{ObjectMeta: rolled, Regarding: ref, Type: "Normal", Reason: "RollbackSucceeded", Note: "Helm rollback to previous release apps/shop.v1 with chart shop@1.0.0 succeeded",
			EventTime: metav1.NewMicroTime(at(16*time.Minute + time.Second)), ReportingController: "helm-controller",
			Series: &eventsv1.EventSeries{Count: 2, LastObservedTime: metav1.NewMicroTime(at(16*time.Minute + 2*time.Second))}},
		{ObjectMeta: other, Regarding: otherRef, Type: "Normal", Reason: "InstallSucceeded", Note: "another release"},
	}
	core := []corev1.Event{
		{ObjectMeta: failed, InvolvedObject: ref, Type: "Warning", Reason: "UpgradeFailed", Message: "Helm upgrade failed for release apps/shop with chart shop@2.0.0: context deadline exceeded",
			LastTimestamp: mt(15 * time.Minute), Count: 1},
		{ObjectMeta: metav1.ObjectMeta{Name: Name + ".0", Namespace: Namespace, UID: types.UID("uid-installed"), Annotations: ann("1.0.0")},
			InvolvedObject: ref, Type: "Normal", Reason: "InstallSucceeded", Message: "Helm install succeeded for release apps/shop.v1 with chart shop@1.0.0\x1b[2J",
			FirstTimestamp: mt(5 * time.Second), LastTimestamp: mt(5 * time.Second), Count: 1},
	}
	return evs, core
}

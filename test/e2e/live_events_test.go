package e2e

import (
	"context"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// TestWatchReadsEvents: against the real API server, `status --watch -o
// json` times a failure before Helm from its Event (core/v1, found by the
// field selectors the plugin sends) from its first document on; when a
// further failure adds to the Event while it watches (the object does not
// change), it writes the release's document again with the window the
// Event now gives.
func TestWatchReadsEvents(t *testing.T) {
	h := env(t)
	ctx := context.Background()
	const ns = "events-e2e"
	if err := fixtures.EnsureNamespace(ctx, h.admin, ns); err != nil {
		t.Fatal(err)
	}
	hr := h.createRelease(t, fixtures.Release{Name: "values", Namespace: ns, State: fixtures.ValuesError})
	ready := meta.FindStatusCondition(hr.Status.Conditions, "Ready")
	if ready == nil || ready.Reason != "ValuesError" {
		t.Fatalf("the fixture's Ready condition: %+v", ready)
	}
	// Three failures from the condition's time, 0.75 + 1.5 s apart (the
	// Event's times are to the second).
	at := ready.LastTransitionTime.Time
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "values.e2e"},
		InvolvedObject: corev1.ObjectReference{Kind: v2.HelmReleaseKind, APIVersion: v2.GroupVersion.String(), Namespace: ns, Name: hr.Name, UID: hr.UID},
		Type:           corev1.EventTypeWarning, Reason: ready.Reason, Message: ready.Message, Count: 3,
		FirstTimestamp: metav1.NewTime(at), LastTimestamp: metav1.NewTime(at.Add(2 * time.Second)),
		Source: corev1.EventSource{Component: "helm-controller"}}
	if err := h.admin.Create(ctx, ev); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.admin.Delete(ctx, ev) })

	s := h.stream(t, h.kubeconfigs[userAdmin], "status", "-n", ns, "--field-selector", "metadata.name=values", "--watch", "-o", "json", "--timeout", "30s")
	s.until(t, "out", "its Event says 3 failure(s) in a row")
	ev.Count, ev.LastTimestamp = 4, metav1.NewTime(at.Add(5*time.Second))
	if err := h.admin.Update(ctx, ev); err != nil {
		t.Fatal(err)
	}
	read := time.Now()
	got := s.until(t, "out", "its Event says 4 failure(s) in a row")
	t.Logf("the fourth failure's Event written, its window shown %.1f s later", got.Sub(read).Seconds())
}

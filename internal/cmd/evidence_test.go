package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// valuesEvent is the Event helm-controller records for failed-values'
// failure, count times, the last at last.
func valuesEvent(name string, count int32, first, last time.Time) *corev1.Event {
	return &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: fmt.Sprintf("%s.%d", name, count)},
		InvolvedObject: corev1.ObjectReference{Kind: "HelmRelease", Namespace: "apps", Name: name},
		Type:           "Warning", Reason: "ValuesError", Count: count,
		Message:        "could not resolve Secret chart values reference 'apps/values'",
		FirstTimestamp: metav1.Time{Time: first}, LastTimestamp: metav1.Time{Time: last}}
}

// status reads the Events of a release that failed before Helm, by name
// and in a listing, and times the next attempt from them: three failures
// after the streak began (0.75 + 1.5 s apart) make the next wait 3 s.
func TestStatusReadsEventsOfFailuresBeforeHelm(t *testing.T) {
	first := testNow.Add(-10 * time.Second)
	for _, args := range [][]string{{"status", "failed-values", "-o", "json"}, {"status", "-o", "json"}} {
		fake := clustertest.New(states(t, "failed-values", "ready")...)
		if _, err := fake.Kube.CoreV1().Events("apps").Create(context.Background(),
			valuesEvent("failed-values", 3, first, first.Add(2*time.Second)), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		r := execute(t, fake, args...)
		st := findState(t, r.stdout, "failed-values")
		if st.Next.Bound != "" || st.Next.Rule != inspect.RuleErrorBackoff {
			t.Fatalf("%v: rule %q, bound %q; want the Events to time it", args, st.Next.Rule, st.Next.Bound)
		}
		if want := first.Add(5 * time.Second); !st.Next.Earliest.Equal(want) {
			t.Errorf("%v: earliest %s, want %s (the last failure + 3 s)", args, st.Next.Earliest, want)
		}
	}
}

// Without RBAC on Events the window stays a bound that says why.
func TestStatusEventsForbidden(t *testing.T) {
	fake := clustertest.New(states(t, "failed-values")...)
	fake.Kube.PrependReactor("list", "events", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "events"}, "", errors.New("RBAC"))
	})
	r := execute(t, fake, "status", "failed-values", "-o", "json")
	st := findState(t, r.stdout, "failed-values")
	if !strings.Contains(st.Next.Bound, "not readable") {
		t.Errorf("bound %q; want it to say the Events are not readable", st.Next.Bound)
	}
}

func findState(t *testing.T, out, name string) inspect.RetryState {
	t.Helper()
	if !strings.Contains(out, `"items"`) {
		out = `{"items":[` + out + `]}`
	}
	for _, st := range jsonStates(t, out) {
		if st.Name == name {
			return st
		}
	}
	t.Fatalf("%s not in the output:\n%s", name, out)
	return inspect.RetryState{}
}

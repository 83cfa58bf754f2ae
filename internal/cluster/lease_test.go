package cluster

import (
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var healthNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func lease(name, holder string, renewedAgo time.Duration, seconds int32) *coordinationv1.Lease {
	l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "flux-system"}}
	l.Spec.HolderIdentity = ref(holder)
	l.Spec.LeaseDurationSeconds = ref(seconds)
	l.Spec.RenewTime = ref(metav1.NewMicroTime(healthNow.Add(-renewedAgo)))
	return l
}

func TestLeaderElectionFromDeployment(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want LeaderElection
	}{
		{nil, LeaderElection{Lease: leaseBase, LeaseDuration: 35 * time.Second, RenewDeadline: 30 * time.Second, RetryPeriod: 5 * time.Second}},
		{[]string{"--enable-leader-election"}, LeaderElection{Enabled: true, Lease: leaseBase, LeaseDuration: 35 * time.Second, RenewDeadline: 30 * time.Second, RetryPeriod: 5 * time.Second}},
		{[]string{"--enable-leader-election=false", "--leader-election-lease-duration=1m"}, LeaderElection{Lease: leaseBase, LeaseDuration: time.Minute, RenewDeadline: 30 * time.Second, RetryPeriod: 5 * time.Second}},
		// a bool flag takes no separate value; the sharding selector names the shard's own Lease
		// (sha256("sharding.fluxcd.io/key=shard1")[:8], as fluxcd/pkg/runtime/leaderelection.GenerateID)
		{[]string{"-enable-leader-election", "--leader-election-retry-period", "2s", "--watch-label-selector", "sharding.fluxcd.io/key=shard1", "--leader-election-renew-deadline=bad"},
			LeaderElection{Enabled: true, Lease: leaseBase + "-73fdc1be", LeaseDuration: 35 * time.Second, RenewDeadline: 30 * time.Second, RetryPeriod: 2 * time.Second}},
	} {
		if got := LeaderElectionFromDeployment(deployment(corev1.Container{Name: "manager", Args: tc.args})); got != tc.want {
			t.Errorf("%v: %+v, want %+v", tc.args, got, tc.want)
		}
	}
	if got := generateID(leaseBase, "sharding.fluxcd.io/key=shard1"); len(got) != len(leaseBase)+9 || !strings.HasPrefix(got, leaseBase+"-") {
		t.Errorf("generateID = %q", got)
	}
}

func TestHealthFromLease(t *testing.T) {
	le := LeaderElectionFromDeployment(deployment(corev1.Container{Name: "manager", Args: []string{"--enable-leader-election"}}))
	// A live leader renews every 5 s; the margin is 2.2·5 s + 5 s skew = 16 s past expiry.
	for _, tc := range []struct {
		name   string
		l      *coordinationv1.Lease
		down   bool
		since  time.Duration // before healthNow
		reason string
	}{
		{name: "fresh", l: lease(leaseBase, "helm-controller-abc_1", 3*time.Second, 35)},
		{name: "expired within the margin", l: lease(leaseBase, "helm-controller-abc_1", 50*time.Second, 35)},
		{name: "stale", l: lease(leaseBase, "helm-controller-abc_1", 10*time.Minute, 35), down: true, since: 10*time.Minute - 35*time.Second,
			reason: `leader-election lease flux-system/helm-controller-leader-election not renewed by "helm-controller-abc_1" since 2026-11-23T11:50:00Z (lease duration 35s), no replica leads`},
		{name: "released on shutdown", l: lease(leaseBase, "", 2*time.Minute, 1), down: true, since: 2*time.Minute - time.Second,
			reason: "leader-election lease flux-system/helm-controller-leader-election released by its last holder at 2026-11-23T11:58:00Z, no replica leads"},
	} {
		h := HealthFromLease(tc.l, le, healthNow)
		if h.Down != tc.down || h.Unknown || h.Reason != tc.reason {
			t.Errorf("%s: %+v, want down %v, reason %q", tc.name, h, tc.down, tc.reason)
		}
		if tc.down && (h.Since == nil || !h.Since.Equal(healthNow.Add(-tc.since))) {
			t.Errorf("%s: since %v, want %v", tc.name, h.Since, healthNow.Add(-tc.since))
		}
	}
	if h := HealthFromLease(&coordinationv1.Lease{}, le, healthNow); !h.Unknown || h.Down {
		t.Errorf("a Lease never renewed: %+v, want unknown", h)
	}
}

func ref[T any](v T) *T { return &v }

package cluster

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// LeaderElection is how a helm-controller v1.6.4 replica becomes the one
// that reconciles: main.go hands fluxcd/pkg/runtime/leaderelection.Options
// (flags bound in Options.BindFlags) to controller-runtime, which keeps a
// coordination.k8s.io Lease in the controller's own namespace (its
// default LeaderElectionNamespace, the pod's namespace) and only runs the
// reconcilers while it holds it.
type LeaderElection struct {
	// Enabled is --enable-leader-election. Its default in the binary is
	// false; the Deployment `flux install` writes passes it.
	Enabled bool
	// Lease is the Lease's name, main.go's leaderElectionId:
	// "helm-controller-leader-election", with
	// leaderelection.GenerateID's suffix when --watch-label-selector is set
	// (each shard elects its own leader).
	Lease string
	// LeaseDuration, RenewDeadline and RetryPeriod are the flags of those
	// names (defaults 35s, 30s, 5s).
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
}

// leaseBase is main.go's fmt.Sprintf("%s-%s", controllerName, "leader-election").
const leaseBase = "helm-controller-leader-election"

// clockSkew is how far this machine's clock may be from the leader's, which
// wrote renewTime with its own (client-go's LeaderElector clock).
const clockSkew = 5 * time.Second

// LeaderElectionFromDeployment reads the leader-election flags of the
// controller's container, as its pflag set would.
func LeaderElectionFromDeployment(dep *appsv1.Deployment) LeaderElection {
	le := LeaderElection{Lease: leaseBase, LeaseDuration: 35 * time.Second, RenewDeadline: 30 * time.Second, RetryPeriod: 5 * time.Second}
	c, ok := managerContainer(dep)
	if !ok {
		return le
	}
	args := append(append([]string(nil), c.Command...), c.Args...)
	for i := 0; i < len(args); i++ {
		if !strings.HasPrefix(args[i], "-") {
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if name == "enable-leader-election" { // a bool flag: a bare name is true, never the next argument
			b, err := strconv.ParseBool(value)
			le.Enabled = !hasValue || (err == nil && b)
			continue
		}
		if !hasValue && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			switch name {
			case "leader-election-lease-duration", "leader-election-renew-deadline", "leader-election-retry-period", "watch-label-selector":
				value, i = args[i+1], i+1
			}
		}
		d, err := time.ParseDuration(value)
		switch {
		case name == "watch-label-selector":
			le.Lease = generateID(leaseBase, value)
		case err != nil || d <= 0: // malformed: the controller would not start; keep the default
		case name == "leader-election-lease-duration":
			le.LeaseDuration = d
		case name == "leader-election-renew-deadline":
			le.RenewDeadline = d
		case name == "leader-election-retry-period":
			le.RetryPeriod = d
		}
	}
	return le
}

// generateID is fluxcd/pkg/runtime/leaderelection.GenerateID.
func generateID(base string, additions ...string) string {
	if base == "" || len(additions) == 0 || additions[0] == "" {
		return base
	}
	sum := sha256.New()
	for _, a := range additions {
		sum.Write([]byte(a))
	}
	return base + "-" + fmt.Sprintf("%x", sum.Sum(nil))[:8]
}

// HealthFromLease: no replica leads once the Lease has expired, renewTime +
// leaseDurationSeconds, and nobody took it over. A leader renews every
// RetryPeriod (measured: every 5.0 s) and gives up leading (controller-
// runtime then exits) when it has not renewed for RenewDeadline, shorter
// than the lease duration. A standby replica counts the duration from when
// it saw the last renewal (client-go's observedTime) and takes the Lease at
// its next try after that, within 2.2·RetryPeriod (its acquire loop:
// wait.JitterUntil, JitterFactor 1.2); a replica started later waits a
// whole lease duration from its start, leading nothing meanwhile. So a
// Lease expired for longer than 2.2·RetryPeriod (and the clocks' skew) has
// no live leader: the controller is down since it expired. A leader that
// released the Lease on shutdown (--leader-election-release-on-cancel, on
// by default) leaves no holder and a 1 s duration: down since just after
// it stopped. Unknown when the Lease says no renewTime.
func HealthFromLease(lease *coordinationv1.Lease, le LeaderElection, now time.Time) inspect.Health {
	spec := lease.Spec
	if spec.RenewTime == nil || spec.RenewTime.IsZero() {
		return inspect.Health{Unknown: true}
	}
	duration := le.LeaseDuration
	if spec.LeaseDurationSeconds != nil && *spec.LeaseDurationSeconds > 0 {
		duration = time.Duration(*spec.LeaseDurationSeconds) * time.Second
	}
	renewed := spec.RenewTime.UTC()
	expired := renewed.Add(duration)
	margin := le.RetryPeriod*22/10 + clockSkew
	if !now.After(expired.Add(margin)) {
		return inspect.Health{}
	}
	what := fmt.Sprintf("released by its last holder at %s", renewed.Format(time.RFC3339))
	if spec.HolderIdentity != nil && *spec.HolderIdentity != "" {
		what = fmt.Sprintf("not renewed by %s since %s (lease duration %s)", strconv.Quote(*spec.HolderIdentity), renewed.Format(time.RFC3339), duration)
	}
	return inspect.Health{Down: true, Since: &expired,
		Reason: fmt.Sprintf("leader-election lease %s/%s %s, no replica leads", lease.Namespace, lease.Name, what)}
}

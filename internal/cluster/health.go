package cluster

import (
	"context"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// ControllerHealth is one controller's health, from its Deployment (read
// already), its pods and its leader-election Lease, at now. The
// Deployment's status speaks first (its Available condition dates the
// outage); then the pods, whose kubelet status names the cause (a crash
// loop, an OOM kill) and leads the Deployment's status, which waits
// minReadySeconds and the controller-manager's resync; then the Lease,
// the one signal a control plane without kubelets (or a user who may not
// list pods) still has. A pod list or a Lease that cannot be read (RBAC,
// not found, leader election off) says nothing: the command never fails
// on them, and a user granted only the Deployment keeps today's answer.
// Pods and Lease are read at once, so the health costs one round trip
// more than the Deployment.
func (c *Client) ControllerHealth(ctx context.Context, dep *appsv1.Deployment, now time.Time) inspect.Health {
	return controllerHealth(ctx, c.kube, dep, now)
}

func controllerHealth(ctx context.Context, kube kubernetes.Interface, dep *appsv1.Deployment, now time.Time) inspect.Health {
	h := HealthFromDeployment(dep)
	if h.Down {
		return h
	}
	pods, lease := inspect.Health{Unknown: true}, inspect.Health{Unknown: true}
	var podsErr, leaseErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); pods, podsErr = readPodHealth(ctx, kube, dep) }()
	go func() { defer wg.Done(); lease, leaseErr = readLeaseHealth(ctx, kube, dep, now) }()
	wg.Wait()
	switch {
	case pods.Down:
		return pods
	case lease.Down:
		return lease
	case h.Unknown && pods.Unknown && lease.Unknown:
		return h
	}
	// Some source saw it up, none down; one that failed for a passing
	// reason may have said otherwise.
	return inspect.Health{Unsure: passing(podsErr) || passing(leaseErr)}
}

// passing: err may not happen on the next read (a timeout, a server
// error), unlike a permission refused or an object that does not exist.
func passing(err error) bool {
	return err != nil && !apierrors.IsForbidden(err) && !apierrors.IsUnauthorized(err) && !apierrors.IsNotFound(err)
}

// readPodHealth lists the pods of the Deployment's selector. A Deployment
// without a selector (the API server refuses one in apps/v1) would list
// every pod in the namespace: nothing is read then.
func readPodHealth(ctx context.Context, kube kubernetes.Interface, dep *appsv1.Deployment) (inspect.Health, error) {
	unknown := inspect.Health{Unknown: true}
	if dep.Spec.Selector == nil {
		return unknown, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(dep.Spec.Selector)
	if err != nil || sel.Empty() {
		return unknown, nil
	}
	list, err := kube.CoreV1().Pods(dep.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return unknown, err
	}
	return HealthFromPods(dep, list.Items), nil
}

// readLeaseHealth reads the Lease the controller's flags name, when they
// turn leader election on; it lives in the controller's namespace.
func readLeaseHealth(ctx context.Context, kube kubernetes.Interface, dep *appsv1.Deployment, now time.Time) (inspect.Health, error) {
	le := LeaderElectionFromDeployment(dep)
	if !le.Enabled {
		return inspect.Health{Unknown: true}, nil
	}
	lease, err := kube.CoordinationV1().Leases(dep.Namespace).Get(ctx, le.Lease, metav1.GetOptions{})
	if err != nil {
		return inspect.Health{Unknown: true}, err
	}
	return HealthFromLease(lease, le, now), nil
}

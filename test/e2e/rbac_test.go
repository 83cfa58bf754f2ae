package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	authzv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// restrictedUser is a user and the verbs it gets on helmreleases,
// cluster-wide.
type restrictedUser struct {
	name  string
	verbs []string
}

func restrictedUsers() []restrictedUser {
	return []restrictedUser{
		{userReadOnly, []string{"get", "list", "watch"}},
		{userPatchOnly, []string{"get", "list", "watch", "patch"}},
		{userNoList, []string{"get"}},
	}
}

// grant creates a ClusterRole and ClusterRoleBinding for u, then waits until
// the RBAC authorizer (which reads them through an informer) allows the
// first verb: a test must not race the authorizer's cache.
func grant(ctx context.Context, c client.Client, u restrictedUser) error {
	name := "hrretry-e2e-" + u.name
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{v2.GroupVersion.Group},
			Resources: []string{"helmreleases"}, Verbs: u.verbs}},
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: u.name}},
	}
	for _, obj := range []client.Object{role, binding} {
		if err := c.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("granting %s: %w", u.name, err)
		}
	}
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		return allowed(ctx, c, u.name, u.verbs[0], "")
	})
	if err != nil {
		return fmt.Errorf("RBAC for %s never took effect: %w", u.name, err)
	}
	return nil
}

// allowed asks the API server's authorizer whether user may verb
// helmreleases (in namespace, or cluster-wide when empty).
func allowed(ctx context.Context, c client.Client, user, verb, namespace string) (bool, error) {
	sar := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{
		User: user,
		ResourceAttributes: &authzv1.ResourceAttributes{Group: v2.GroupVersion.Group,
			Resource: "helmreleases", Verb: verb, Namespace: namespace},
	}}
	if err := c.Create(ctx, sar); err != nil {
		return false, err
	}
	return sar.Status.Allowed, nil
}

// TestRBACIsEnforced proves the control plane authorizes with RBAC: the
// no-list user is really denied a list, by the authorizer and by the API,
// while get works. Without this, the Forbidden tests could pass vacuously.
func TestRBACIsEnforced(t *testing.T) {
	h := env(t)
	ctx := context.Background()
	for _, tc := range []struct {
		user, verb string
		want       bool
	}{
		{userNoList, "get", true},
		{userNoList, "list", false},
		{userReadOnly, "list", true},
		{userReadOnly, "patch", false},
		{userPatchOnly, "patch", true},
		{"nobody", "get", false},
	} {
		got, err := allowed(ctx, h.admin, tc.user, tc.verb, "shop")
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s may %s helmreleases: got %v, want %v", tc.user, tc.verb, got, tc.want)
		}
	}

	cfg, err := h.cp.AddUser(userNoList)
	if err != nil {
		t.Fatal(err)
	}
	c, err := fixtures.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = c.List(ctx, &v2.HelmReleaseList{}, client.InNamespace("shop"))
	if !apierrors.IsForbidden(err) {
		t.Errorf("listing as %s: got %v, want Forbidden", userNoList, err)
	}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "frontend"}, &v2.HelmRelease{}); err != nil {
		t.Errorf("getting as %s: %v", userNoList, err)
	}
}

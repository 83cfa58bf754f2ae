package krew_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
)

// The krew-installed plugin, run by the real kubectl, reads the test control
// plane (the fleet test/fixtures seeds) as a user holding exactly the RBAC
// the manifest's caveats list, and completes HelmRelease names from it.
func TestKubectlStatusAgainstControlPlane(t *testing.T) {
	kubectl := kubectlPath(t)
	env, krewRoot, p := krewEnv(t, kubectl)

	for _, b := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(filepath.Dir(kubectl), b)); err != nil {
			msg := b + " is missing next to kubectl (build it with `make kube-bin`)"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	cp, err := controlplane.Start(controlplane.Options{BinDir: filepath.Dir(kubectl), CRDDir: filepath.Join("..", "crd")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cp.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	t.Logf("control plane up in %.1fs", cp.Took.Seconds())

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := fixtures.NewClient(cp.Admin)
	if err != nil {
		t.Fatal(err)
	}
	fleet := fixtures.Fleet()
	if err := fixtures.CreateAll(ctx, admin, fleet, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := grantCaveats(ctx, admin, "krew-user"); err != nil {
		t.Fatal(err)
	}
	user, err := cp.AddUser("krew-user")
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(t.TempDir(), "krew-user.kubeconfig")
	if err := controlplane.WriteKubeconfig(kubeconfig, "krew-test", user); err != nil {
		t.Fatal(err)
	}
	env = append(env, "KUBECONFIG="+kubeconfig) // the last one wins

	// RBAC bindings reach the authorizer through a watch: wait until they have.
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ := runCode(t, env, kubectl, "auth", "can-i", "list", "helmreleases.helm.toolkit.fluxcd.io", "--all-namespaces")
		if strings.TrimSpace(out) == "yes" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the caveats' RBAC never took effect: can-i list = %q", out)
		}
		time.Sleep(200 * time.Millisecond)
	}

	out, code := runCode(t, env, kubectl, "hrretry", "status", "-A")
	t.Logf("kubectl hrretry status -A (exit %d):\n%s", code, out)
	if code != 0 {
		t.Errorf("kubectl hrretry status -A exited %d", code)
	}
	for _, r := range fleet {
		if !strings.Contains(out, r.Name) {
			t.Errorf("status -A does not show %s/%s", r.Namespace, r.Name)
		}
	}

	// Completion of names and namespaces from the cluster, through kubectl and the helper.
	helper := filepath.Join(krewRoot, "store", "hrretry", p.Spec.Version, "kubectl_complete-hrretry")
	if err := os.Symlink(helper, filepath.Join(krewRoot, "bin", "kubectl_complete-hrretry")); err != nil {
		t.Fatal(err)
	}
	out = run(t, env, kubectl, "__complete", "hrretry", "status", "-n", "shop", "")
	t.Logf("kubectl __complete hrretry status -n shop \"\":\n%s", out)
	for _, r := range fleet {
		if r.Namespace == "shop" && !hasCandidate(out, r.Name) {
			t.Errorf("no completion for HelmRelease %s", r.Name)
		}
	}
	out = run(t, env, kubectl, "__complete", "hrretry", "status", "-n", "")
	for _, ns := range []string{"shop", "platform", "data"} {
		if !hasCandidate(out, ns) {
			t.Errorf("no completion for namespace %s:\n%s", ns, out)
		}
	}
}

// grantCaveats gives user what plugin.yaml's caveats list, and no more:
// helmreleases get/list/watch/patch, namespaces list, and in flux-system
// get on deployments, list on pods, get on leases.
func grantCaveats(ctx context.Context, c client.Client, user string) error {
	subject := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "flux-system"}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "hrretry"}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"helm.toolkit.fluxcd.io"}, Resources: []string{"helmreleases"}, Verbs: []string{"get", "list", "watch", "patch"}},
			{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"list"}},
		}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "hrretry"}, Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "hrretry"}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "hrretry", Namespace: "flux-system"}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get"}},
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list"}},
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get"}},
		}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "hrretry", Namespace: "flux-system"}, Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "hrretry"}},
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

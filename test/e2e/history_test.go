package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/pkg/history/historytest"
	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// userNoSecrets may read HelmReleases and Events, not Secrets.
const userNoSecrets = "no-secrets"

// seedHistory writes pkg/history/historytest's story into namespace apps:
// the HelmRelease with its status, its Events through events.k8s.io/v1
// and core/v1, and Helm's three storage Secrets.
func seedHistory(ctx context.Context, t *testing.T, h *harness) {
	t.Helper()
	c := h.admin
	if err := fixtures.EnsureNamespace(ctx, c, historytest.Namespace); err != nil {
		t.Fatal(err)
	}
	hr := historytest.Object()
	status := hr.Status
	hr.Spec = v2.HelmReleaseSpec{Interval: metav1.Duration{Duration: 10 * time.Minute},
		Chart: &v2.HelmChartTemplate{Spec: v2.HelmChartTemplateSpec{Chart: "shop", Version: "2.0.0",
			SourceRef: v2.CrossNamespaceObjectReference{Kind: "HelmRepository", Name: "charts", Namespace: "flux-system"}}}}
	if err := c.Create(ctx, hr); err != nil {
		t.Fatalf("creating the HelmRelease: %v", err)
	}
	// The other tests count the fleet across all namespaces: leave no
	// HelmRelease behind (no finalizer, so the delete is immediate).
	t.Cleanup(func() { _ = c.Delete(context.Background(), hr) })
	status.ObservedGeneration = hr.Generation
	hr.Status = status
	if err := c.Status().Update(ctx, hr); err != nil {
		t.Fatalf("writing its status: %v", err)
	}
	evs, core := historytest.Events()
	var objs []client.Object
	// Through events.k8s.io/v1: the upgrade failure and the rollback (the
	// API wants eventTime, not the deprecated core/v1 fields).
	for i := range evs[:2] {
		e := &evs[i]
		e.UID, e.ReportingInstance, e.Action = "", "helm-controller-0", e.Reason
		if e.EventTime.IsZero() {
			e.EventTime = metav1.NewMicroTime(e.DeprecatedLastTimestamp.Time)
		}
		e.DeprecatedLastTimestamp, e.DeprecatedCount = metav1.Time{}, 0
		objs = append(objs, e)
	}
	// Through core/v1: the install, as an older recorder writes it; the
	// plugin reads it back through events.k8s.io/v1 with its annotations.
	install := &core[1]
	install.UID, install.Source.Component = "", "helm-controller"
	objs = append(objs, install)
	secrets := historytest.Secrets(historytest.Releases()...)
	for i := range secrets {
		objs = append(objs, &secrets[i])
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			t.Fatalf("creating %T %s: %v", o, o.GetName(), err)
		}
	}
}

// grantNoSecrets makes a user who may read HelmReleases and Events, in both
// APIs, and nothing else, and waits until the authorizer agrees.
func grantNoSecrets(ctx context.Context, t *testing.T, h *harness) {
	t.Helper()
	cfg, err := h.cp.AddUser(userNoSecrets)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.writeKubeconfig(userNoSecrets, cfg); err != nil {
		t.Fatal(err)
	}
	name := "hrretry-e2e-" + userNoSecrets
	read := []string{"get", "list", "watch"}
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{v2.GroupVersion.Group}, Resources: []string{"helmreleases"}, Verbs: read},
		{APIGroups: []string{"", "events.k8s.io"}, Resources: []string{"events"}, Verbs: read},
	}}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: userNoSecrets}}}
	for _, obj := range []client.Object{role, binding} {
		if err := h.admin.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		return allowed(ctx, h.admin, userNoSecrets, "list", historytest.Namespace)
	})
	if err != nil {
		t.Fatalf("RBAC for %s never took effect: %v", userNoSecrets, err)
	}
}

// TestHistory: the timeline from the Events created here, in their order,
// with Helm's storage for an admin; a user who may not list Secrets gets
// the sentence naming that permission, and the rest.
func TestHistory(t *testing.T) {
	h := env(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	seedHistory(ctx, t, h)
	grantNoSecrets(ctx, t, h)

	admin := h.run(t, userAdmin, "history", historytest.Name, "-n", historytest.Namespace, "--helm-storage").mustSucceed(t)
	inOrder(t, admin.stdout,
		"storage        1  superseded shop@1.0.0: Install complete",
		"event          -  Normal InstallSucceeded",
		"hook           2  Succeeded pre-upgrade: Job/shop-upgrade-step",
		"storage        2  failed shop@2.0.0: Upgrade \"shop\" failed",
		"event          -  Warning UpgradeFailed",
		"storage        3  deployed shop@1.0.0: Rollback to 1",
		"event          -  Normal RollbackSucceeded",
		"prediction",
		"What the rollback from revision 2 to 1 did not undo",
		"hook                    Job/shop-upgrade-step",
		"pvc                     PersistentVolumeClaim/apps/data",
		"crd                     CustomResourceDefinition/gadgets.example.com",
	)
	if strings.Contains(admin.stdout, "\x1b") || !strings.Contains(admin.stdout, "shop@1.0.0^[[2J") {
		t.Errorf("the install Event's ESC sequence is not escaped as ^[")
	}

	limited := h.run(t, userNoSecrets, "history", historytest.Name, "-n", historytest.Namespace, "--helm-storage").mustSucceed(t)
	const sentence = "forbidden: you may not list secrets in namespace apps"
	if !strings.Contains(limited.stderr, sentence) {
		t.Errorf("stderr lacks %q:\n%s", sentence, limited.stderr)
	}
	inOrder(t, limited.stdout, "history        1  superseded install", "event          -  Warning UpgradeFailed",
		"history        3  deployed rollback", "event          -  Normal RollbackSucceeded", "prediction")
	if strings.Contains(limited.stdout, "storage   ") || strings.Contains(limited.stdout, "What the rollback") {
		t.Errorf("storage entries without the permission:\n%s", limited.stdout)
	}
}

// inOrder fails unless every want appears in out, each after the previous.
func inOrder(t *testing.T, out string, wants ...string) {
	t.Helper()
	rest := out
	for _, w := range wants {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("%q missing or out of order in:\n%s", w, out)
			return
		}
		rest = rest[i+len(w):]
	}
}

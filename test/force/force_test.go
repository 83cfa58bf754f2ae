package force

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// plugin runs the binary as user with args.
func plugin(t *testing.T, user string, args ...string) result {
	t.Helper()
	cmd := exec.Command(s.bin, append([]string{"--kubeconfig", s.kubeconfigs[user], "--controller-namespace", "none"}, args...)...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String(), took: time.Since(start)}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

func get(t *testing.T, ns, name string) *v2.HelmRelease {
	t.Helper()
	hr := &v2.HelmRelease{}
	if err := s.admin.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, hr); err != nil {
		t.Fatal(err)
	}
	return hr
}

func TestForceWritesExactlyTheAnnotations(t *testing.T) {
	before := newRelease(t, "force-exact", "app", silent)
	r := plugin(t, admin, "force", "app", "-n", "force-exact", "--reset", "--wait=false")
	if r.code != 0 || !strings.Contains(r.stdout, "force-exact/app  patched") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	after := get(t, "force-exact", "app")
	token := after.Annotations["reconcile.fluxcd.io/requestedAt"]
	if _, err := time.Parse(time.RFC3339Nano, token); err != nil {
		t.Fatalf("requestedAt %q is not an RFC3339Nano token: %v", token, err)
	}
	want := map[string]string{"team.example.com/owner": "payments", "reconcile.fluxcd.io/requestedAt": token,
		"reconcile.fluxcd.io/forceAt": token, "reconcile.fluxcd.io/resetAt": token}
	if got, _ := json.Marshal(after.Annotations); string(got) != mustJSON(t, want) {
		t.Errorf("annotations = %s, want %s", got, mustJSON(t, want))
	}
	if after.Generation != before.Generation {
		t.Errorf("generation changed: %d -> %d", before.Generation, after.Generation)
	}
	if !equalJSON(t, after.Spec, before.Spec) || !equalJSON(t, after.Labels, before.Labels) {
		t.Errorf("spec or labels changed")
	}
	managers := map[string]bool{}
	for _, mf := range after.ManagedFields {
		managers[mf.Manager] = true
		if strings.HasPrefix(mf.Manager, "kubectl") {
			t.Errorf("field manager %q: kustomize-controller would prune what it owns", mf.Manager)
		}
	}
	if !managers["hrretry"] {
		t.Errorf("no managedFields entry for manager hrretry: %v", managers)
	}
}

func TestForceRBAC(t *testing.T) {
	newRelease(t, "force-rbac", "app", silent)
	r := plugin(t, readOnly, "force", "app", "-n", "force-rbac", "--wait=false")
	if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "forbidden: you may not patch helmreleases.helm.toolkit.fluxcd.io in namespace force-rbac") {
		t.Errorf("read-only user: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if _, ok := get(t, "force-rbac", "app").Annotations["reconcile.fluxcd.io/requestedAt"]; ok {
		t.Errorf("a refused force must patch nothing")
	}
	r = plugin(t, patchOnly, "force", "app", "-n", "force-rbac", "--wait=false")
	if r.code != 0 {
		t.Errorf("get/list/watch/patch must be enough: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestForceWaitOutcomes: --wait returns once the controller has handled the
// token, with the outcome read from the object, and its exit code.
func TestForceWaitOutcomes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns := "force-wait"
	newRelease(t, ns, "ok", succeed)
	newRelease(t, ns, "broken", failAgain, func(hr *v2.HelmRelease) {
		hr.Spec.Upgrade = &v2.Upgrade{Strategy: &v2.UpgradeStrategy{Name: "RetryOnFailure"}}
	})
	newRelease(t, ns, "blocked", dependency)
	newRelease(t, ns, "nobody", silent)
	runFakeController(ctx, t, ns)
	cases := []struct {
		name, want, contains string
		code                 int
		extra                []string
	}{
		{"ok", "ready", "Helm upgrade succeeded", 0, nil},
		{"broken", "failed", "fake failure; next: upgrade ", 1, nil},
		{"blocked", "not-honoured", "dependency 'force/database' is not ready", 3, []string{"--reset"}},
		{"nobody", "timed-out", "did not finish handling the request within 3s", 1, []string{"--timeout", "3s"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := plugin(t, patchOnly, append([]string{"force", tc.name, "-n", ns, "--timeout", "2m"}, tc.extra...)...)
			line := ns + "/" + tc.name + "  " + tc.want + "  "
			if r.code != tc.code || !strings.Contains(r.stdout, line) || !strings.Contains(r.stdout, tc.contains) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s", r.code, tc.code, r.stdout, r.stderr)
			}
			t.Logf("%s: returned after %s", tc.name, r.took.Round(time.Millisecond))
		})
	}
}

func TestForceSuspendedAndDryRun(t *testing.T) {
	ns := "force-suspend"
	newRelease(t, ns, "paused", silent, func(hr *v2.HelmRelease) { hr.Spec.Suspend = true })
	before := get(t, ns, "paused")
	r := plugin(t, admin, "force", "paused", "-n", ns, "--wait=false")
	if r.code != 1 || !strings.Contains(r.stdout, "refused  suspended") {
		t.Errorf("suspended: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, dry := range []string{"--dry-run", "--dry-run=server"} {
		r = plugin(t, admin, "force", "paused", "-n", ns, "--resume", dry)
		if r.code != 0 {
			t.Errorf("%s: exit %d\n%s%s", dry, r.code, r.stdout, r.stderr)
		}
		if get(t, ns, "paused").ResourceVersion != before.ResourceVersion {
			t.Fatalf("%s changed the object", dry)
		}
	}
	r = plugin(t, admin, "force", "paused", "-n", ns, "--resume", "--wait=false")
	after := get(t, ns, "paused")
	if r.code != 0 || after.Spec.Suspend || after.Annotations["reconcile.fluxcd.io/forceAt"] == "" {
		t.Errorf("--resume: exit %d, suspend=%v, annotations %v\n%s%s", r.code, after.Spec.Suspend, after.Annotations, r.stdout, r.stderr)
	}
}

func TestForceRefusesABareSelection(t *testing.T) {
	for _, args := range [][]string{{"force"}, {"force", "-A"}, {"force", "-n", "default"}} {
		if r := plugin(t, admin, args...); r.code != 2 || !strings.Contains(r.stderr, "pass --all") {
			t.Errorf("%v: exit %d, stderr %s", args, r.code, r.stderr)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func equalJSON(t *testing.T, a, b any) bool { return mustJSON(t, a) == mustJSON(t, b) }

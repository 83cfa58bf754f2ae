package cmd

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/trigger"
)

// handledState is a fixture as helm-controller leaves it once it has
// handled this run's request (testToken); force is the lastHandledForceAt.
func handledState(t *testing.T, name, force string) runtime.Object {
	t.Helper()
	u, ok := states(t, name)[0].(*unstructured.Unstructured)
	if !ok {
		t.Fatalf("fixture %s is not an Unstructured", name)
	}
	u.SetFinalizers([]string{v2.HelmReleaseFinalizer})
	_ = unstructured.SetNestedField(u.Object, testToken, "status", "lastHandledReconcileAt")
	_ = unstructured.SetNestedField(u.Object, force, "status", "lastHandledForceAt")
	return u
}

func TestForceWaitsForTheOutcome(t *testing.T) {
	fake := clustertest.New(handledState(t, "ready", testToken), handledState(t, "waiting-dependency", "earlier"))
	r := execute(t, fake, "force", "ready")
	if r.code != ExitOK || !strings.Contains(r.stdout, "apps/ready  ready") {
		t.Errorf("handled and ready: exit %d", r.code)
	}
	if !strings.Contains(r.stderr, "Requesting a forced reconcile (token "+testToken+") for 1 HelmRelease(s)") ||
		!strings.Contains(r.stderr, "1 HelmRelease(s): 1 ready") {
		t.Errorf("the plan and the summary go to stderr: %q", r.stderr)
	}
	ps := fake.Patches()
	if len(ps) != 1 || ps[0].PatchType != types.MergePatchType || ps[0].PatchOptions.FieldManager != trigger.FieldManager {
		t.Errorf("patches %+v", ps)
	}
	if r.rate != cluster.DefaultRate {
		t.Errorf("force connects at %+v; want kubectl's rate unless --qps/--burst", r.rate)
	}

	r = execute(t, fake, "force", "waiting-dependency", "ready")
	if r.code != ExitNotHonoured || !strings.Contains(r.stdout, "apps/waiting-dependency  not-honoured") {
		t.Errorf("a request handled without the force: exit %d, want %d", r.code, ExitNotHonoured)
	}
}

func TestForceWithoutWaiting(t *testing.T) {
	fake := fleet(t)
	r := execute(t, fake, "force", "--all", "--wait=false", "--chunk-size", "3", "--qps", "500", "--burst", "1000",
		"--confirm-threshold", "3", "--yes")
	if r.code != ExitFailed || strings.Count(r.stdout, "  patched  ") != 4 || !strings.Contains(r.stdout, "apps/suspended  refused") {
		t.Errorf("--all: exit %d (a refused release fails the run); want four patched and the suspended one refused", r.code)
	}
	if lists := fake.Lists(); len(lists) != 1 || lists[0].ChunkSize != 3 {
		t.Errorf("force lists in pages of --chunk-size: %+v", lists)
	}
	if r.rate != (cluster.Rate{QPS: 500, Burst: 1000}) {
		t.Errorf("rate %+v", r.rate)
	}
	for _, a := range fake.Dynamic.Actions() {
		if a.GetVerb() == "watch" {
			t.Errorf("--wait=false watched")
		}
	}
}

func TestForceDryRun(t *testing.T) {
	fake := fleet(t)
	r := execute(t, fake, "force", "--phase", "stalled,retrying", "--dry-run")
	if r.code != ExitOK || !strings.Contains(r.stdout, "Would patch 2 of 2 HelmRelease(s) (dry run, nothing sent)") ||
		len(fake.Patches()) != 0 {
		t.Errorf("--dry-run=client: exit %d, %d patches", r.code, len(fake.Patches()))
	}

	r = execute(t, fake, "force", "ready", "--dry-run=server")
	ps := fake.Patches()
	if r.code != ExitOK || !strings.Contains(r.stdout, "apps/ready  dry-run") || len(ps) != 1 ||
		!slices.Equal(ps[0].PatchOptions.DryRun, []string{metav1.DryRunAll}) {
		t.Errorf("--dry-run=server: exit %d, patches %+v", r.code, ps)
	}
}

func TestForceConfirmation(t *testing.T) {
	r := execute(t, fleet(t), "force", "--all", "--confirm-threshold", "2")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "refusing to patch 4 HelmReleases") || len(r.fake.Patches()) != 0 {
		t.Errorf("no terminal to ask on: exit %d, %q", r.code, r.stderr)
	}
}

func TestForceTimesOut(t *testing.T) {
	r := execute(t, fleet(t), "force", "retrying-upgrade", "--timeout", "1ms")
	if r.code != ExitFailed || !strings.Contains(r.stdout, "apps/retrying-upgrade  timed-out") {
		t.Errorf("--timeout: exit %d", r.code)
	}
}

func TestForceAPIErrors(t *testing.T) {
	forbidden := apierrors.NewForbidden(cluster.HelmReleases.GroupResource(), "", errors.New("RBAC"))
	cases := []struct {
		name  string
		react func(*clustertest.Fake)
		want  string
	}{
		{"patch", func(f *clustertest.Fake) {
			f.Dynamic.PrependReactor("patch", "helmreleases", func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, forbidden
			})
		}, "forbidden: you may not patch helmreleases.helm.toolkit.fluxcd.io in namespace apps"},
		{"watch", func(f *clustertest.Fake) {
			f.Dynamic.PrependWatchReactor("helmreleases", func(k8stesting.Action) (bool, watch.Interface, error) {
				return true, nil, forbidden
			})
		}, "forbidden: you may not watch helmreleases.helm.toolkit.fluxcd.io in namespace apps"},
	}
	for _, tc := range cases {
		fake := fleet(t)
		tc.react(fake)
		r := execute(t, fake, "force", "retrying-upgrade")
		if r.code != ExitFailed || !strings.Contains(r.stdout, tc.want) {
			t.Errorf("%s refused: exit %d; want %q", tc.name, r.code, tc.want)
		}
	}

	fake := fleet(t)
	fake.Dynamic.PrependReactor("list", "helmreleases", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, forbidden
	})
	r := execute(t, fake, "force", "--failing")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "you may not list") || !strings.Contains(r.stderr, "nothing was patched") {
		t.Errorf("list refused: exit %d, %q", r.code, r.stderr)
	}
}

func TestForceNothingSelected(t *testing.T) {
	r := execute(t, fleet(t), "force", "-l", "team=none")
	if r.code != ExitOK || !strings.Contains(r.stderr, "No HelmReleases found in namespace apps.") || len(r.fake.Patches()) != 0 {
		t.Errorf("empty selection: exit %d, %q", r.code, r.stderr)
	}
}

// The controller stops after the patch, while force waits: its health,
// read again in the background (as the live views do), turns the pending
// release blocked and says so on stderr, instead of a wait to --timeout.
// The clock moves 10 s a reading, so the first recheck starts a read.
func TestForceWaitNoticesTheControllerStopping(t *testing.T) {
	fake := clustertest.New(states(t, "retrying-upgrade")...)
	fake.HealthReads = []inspect.Health{{}, {Down: true, Reason: "0 of 1 replicas available"}}
	r := executeWith(context.Background(), t, fake, "", movingClock(10*time.Second), "force", "retrying-upgrade", "--timeout", "60s")
	if r.code != ExitFailed || !strings.Contains(r.stdout, "apps/retrying-upgrade  blocked") ||
		!strings.Contains(r.stderr, "warning: helm-controller flux-system/helm-controller is down (0 of 1 replicas available)") {
		t.Errorf("exit %d, want %d, blocked with the controller down\nstdout:\n%s\nstderr:\n%s", r.code, ExitFailed, r.stdout, r.stderr)
	}
}

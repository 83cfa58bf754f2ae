package force

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// mixed seeds 30 HelmReleases in mixed phases over three namespaces,
// labelled suite=mix, and returns each one's expected phase.
func mixed(t *testing.T) map[string]string {
	t.Helper()
	states := []fixtures.State{fixtures.Ready, fixtures.Retrying, fixtures.InstallRetrying, fixtures.Remediating,
		fixtures.Stalled, fixtures.StallTrap, fixtures.Suspended, fixtures.WaitingDependency, fixtures.InProgress,
		fixtures.NeverReconciled}
	slices.Sort(states)
	want := map[string]string{}
	var releases []fixtures.Release
	for i := 0; i < 30; i++ {
		st := states[i%len(states)]
		r := fixtures.Release{Name: fmt.Sprintf("app-%02d", i), Namespace: fmt.Sprintf("mix-%d", i%3), State: st,
			Labels: map[string]string{"suite": "mix"}}
		if st == fixtures.WaitingDependency {
			r.DependsOn = []string{"app-00"}
		}
		releases = append(releases, r)
		want[r.Namespace+"/"+r.Name], _ = fixtures.Expected(st)
	}
	ctx := context.Background()
	for _, ns := range []string{"mix-0", "mix-1", "mix-2"} {
		if err := fixtures.EnsureNamespace(ctx, s.admin, ns); err != nil {
			t.Fatal(err)
		}
	}
	if err := fixtures.CreateAll(ctx, s.admin, releases, time.Now()); err != nil {
		t.Fatal(err)
	}
	return want
}

func TestPhaseFilters(t *testing.T) {
	want := mixed(t)
	var failing, stalled []string
	for ref, phase := range want {
		if inspect.Phase(phase).Failing() {
			failing = append(failing, "helmrelease.helm.toolkit.fluxcd.io/"+ref[strings.Index(ref, "/")+1:])
		}
		if phase == "stalled" {
			stalled = append(stalled, ref)
		}
	}
	slices.Sort(failing)

	r := plugin(t, readOnly, "status", "-A", "-l", "suite=mix", "--failing", "-o", "name")
	got := strings.Fields(r.stdout)
	slices.Sort(got)
	if r.code != 0 || !slices.Equal(got, failing) {
		t.Errorf("status --failing: exit %d\n got %v\nwant %v\n%s", r.code, got, failing, r.stderr)
	}

	// kubectl's jsonpath convention: a List with items, names space-separated.
	r = plugin(t, readOnly, "status", "-n", "mix-1", "-l", "suite=mix", "--phase", "stalled,retrying",
		"-o", "jsonpath={.items[*].metadata.name}")
	var wantNames []string
	for ref, phase := range want {
		if strings.HasPrefix(ref, "mix-1/") && (phase == "stalled" || phase == "retrying") {
			wantNames = append(wantNames, strings.TrimPrefix(ref, "mix-1/"))
		}
	}
	slices.Sort(wantNames)
	if r.code != 0 || r.stdout != strings.Join(wantNames, " ") {
		t.Errorf("jsonpath: exit %d, got %q, want %q", r.code, r.stdout, strings.Join(wantNames, " "))
	}

	// Bulk force of exactly the stalled ones, nothing else touched.
	r = plugin(t, patchOnly, "force", "-A", "-l", "suite=mix", "--phase", "stalled", "--reset", "--yes", "--wait=false")
	if r.code != 0 {
		t.Fatalf("force --phase stalled: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	list := &v2.HelmReleaseList{}
	if err := s.admin.List(context.Background(), list, client.MatchingLabels{"suite": "mix"}); err != nil {
		t.Fatal(err)
	}
	for _, hr := range list.Items {
		ref := hr.Namespace + "/" + hr.Name
		_, reset := hr.Annotations["reconcile.fluxcd.io/resetAt"]
		if reset != slices.Contains(stalled, ref) {
			t.Errorf("%s (%s): resetAt set = %v", ref, want[ref], reset)
		}
	}
	if n := strings.Count(r.stdout, " patched "); n != len(stalled) {
		t.Errorf("%d result lines patched, want %d:\n%s", n, len(stalled), r.stdout)
	}

	// Above --confirm-threshold and without a terminal: refuse, say --yes.
	r = plugin(t, patchOnly, "force", "-A", "-l", "suite=mix", "--failing", "--wait=false")
	if r.code != 2 || !strings.Contains(r.stderr, "pass --yes") {
		t.Errorf("no confirmation on a pipe: exit %d\n%s", r.code, r.stderr)
	}
}

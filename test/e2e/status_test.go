package e2e

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// fleet lists the seeded releases matching keep, keyed like the table.
func fleet(withNamespace bool, keep func(fixtures.Release) bool) map[string]fixtures.Release {
	m := map[string]fixtures.Release{}
	for _, r := range fixtures.Fleet() {
		if keep(r) {
			key := r.Name
			if withNamespace {
				key = r.Namespace + "/" + r.Name
			}
			m[key] = r
		}
	}
	return m
}

func all(fixtures.Release) bool { return true }

// checkTable asserts the table lists exactly want, each in its phase.
func checkTable(t *testing.T, out string, want map[string]fixtures.Release) {
	t.Helper()
	got := phasesByRelease(t, out)
	for key, r := range want {
		phase, _ := fixtures.Expected(r.State)
		if got[key] != phase {
			t.Errorf("%s (%s): phase %q, want %q", key, r.State, got[key], phase)
		}
	}
	if len(got) != len(want) {
		t.Errorf("table lists %v, want %v\n%s", keys(got), keys(want), out)
	}
}

func TestStatusAllNamespaces(t *testing.T) {
	h := env(t)
	r := h.run(t, userAdmin, "status", "-A").mustSucceed(t)
	header, _ := tableRows(t, r.stdout)
	if strings.Join(header[:4], " ") != "NAMESPACE NAME READY PHASE" {
		t.Errorf("header %v, want NAMESPACE NAME READY PHASE first", header)
	}
	checkTable(t, r.stdout, fleet(true, all))
	// No helm-controller Deployment in this cluster: the defaults are used,
	// and the user is told so once, on stderr.
	if !strings.Contains(r.stderr, "note: using helm-controller's default settings") {
		t.Errorf("stderr lacks the default-settings note:\n%s", r.stderr)
	}
}

func TestStatusOneNamespace(t *testing.T) {
	h := env(t)
	r := h.run(t, userAdmin, "status", "-n", "shop").mustSucceed(t)
	header, _ := tableRows(t, r.stdout)
	if header[0] != "NAME" {
		t.Errorf("one namespace: header %v, want no NAMESPACE column", header)
	}
	checkTable(t, r.stdout, fleet(false, func(r fixtures.Release) bool { return r.Namespace == "shop" }))
}

func TestStatusLabelSelector(t *testing.T) {
	h := env(t)
	r := h.run(t, userAdmin, "status", "-A", "-l", "tier=frontend").mustSucceed(t)
	checkTable(t, r.stdout, fleet(true, func(r fixtures.Release) bool { return r.Labels["tier"] == "frontend" }))

	r = h.run(t, userAdmin, "status", "-n", "data", "-l", "tier=backend,team=data").mustSucceed(t)
	checkTable(t, r.stdout, fleet(false, func(r fixtures.Release) bool {
		return r.Namespace == "data" && r.Labels["tier"] == "backend"
	}))

	r = h.run(t, userAdmin, "status", "-A", "-l", "team=nobody").mustSucceed(t)
	if r.stdout != "" || !strings.Contains(r.stderr, "No HelmReleases found.") {
		t.Errorf("empty selection: stdout %q, stderr %q; want nothing and \"No HelmReleases found.\"", r.stdout, r.stderr)
	}
}

func TestStatusDetailView(t *testing.T) {
	h := env(t)
	r := h.run(t, userAdmin, "status", "search", "-n", "shop").mustSucceed(t)
	for _, want := range []string{
		"HelmRelease shop/search  STALLED",
		"Failed to upgrade after 3 attempt(s)",
		"Helm rollback to previous release shop/search.v5 with chart search@1.4.0 succeeded",
		"kubectl hrretry force search -n shop",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("detail view lacks %q:\n%s", want, r.stdout)
		}
	}
	// hr/NAME is accepted like kubectl's TYPE/NAME.
	r = h.run(t, userAdmin, "status", "hr/checkout", "-n", "shop").mustSucceed(t)
	for _, want := range []string{"HelmRelease shop/checkout  RETRYING", "retrying after 5m0s"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("detail view lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestStatusMissingName(t *testing.T) {
	h := env(t)
	r := h.run(t, userAdmin, "status", "no-such-release", "-n", "shop")
	if r.code != 1 || !strings.Contains(r.stderr, `HelmRelease "no-such-release" not found in namespace shop`) {
		t.Errorf("missing name: exit %d, stderr %q; want exit 1 naming it", r.code, r.stderr)
	}
	// With a name that exists beside it, the found one is still shown.
	r = h.run(t, userAdmin, "status", "frontend", "gone", "-n", "shop")
	if r.code != 1 || !strings.Contains(r.stderr, `"gone"`) || !strings.Contains(r.stdout, "frontend") {
		t.Errorf("one of two missing: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestStatusJSON(t *testing.T) {
	h := env(t)
	r := h.run(t, userAdmin, "status", "-A", "-o", "json").mustSucceed(t)
	docs := decodeList(t, r.stdout)
	for key, rel := range fleet(true, all) {
		d, ok := docs[key]
		if !ok {
			t.Errorf("%s missing from -o json", key)
			continue
		}
		phase, next := fixtures.Expected(rel.State)
		if d.Phase != phase || d.Next.Action != next {
			t.Errorf("%s (%s): phase %q next %q, want %q next %q", key, rel.State, d.Phase, d.Next.Action, phase, next)
		}
	}
	checkJSONDetails(t, docs)

	// One NAME gives a single RetryState, not a list.
	r = h.run(t, userAdmin, "status", "checkout", "-n", "shop", "-o", "json").mustSucceed(t)
	var one stateDoc
	if err := json.Unmarshal([]byte(r.stdout), &one); err != nil || one.Kind != "RetryState" || one.Name != "checkout" {
		t.Errorf("single -o json: kind %q name %q err %v", one.Kind, one.Name, err)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

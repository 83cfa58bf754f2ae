package cmd

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

func fleet(t *testing.T) *clustertest.Fake {
	return clustertest.New(states(t, "ready", "retrying-upgrade", "stalled-retries-exceeded", "suspended", "waiting-dependency")...)
}

func jsonStates(t *testing.T, out string) []inspect.RetryState {
	t.Helper()
	var doc struct {
		Items []inspect.RetryState `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("-o json: %v\n%s", err, out)
	}
	return doc.Items
}

func TestStatusTable(t *testing.T) {
	r := execute(t, fleet(t), "status", "--chunk-size", "2")
	if r.code != ExitOK {
		t.Fatalf("exit %d", r.code)
	}
	for _, name := range []string{"ready", "retrying-upgrade", "stalled-retries-exceeded", "suspended", "waiting-dependency"} {
		if !strings.Contains(r.stdout, name) {
			t.Errorf("the table lacks %s", name)
		}
	}
	if lists := r.fake.Lists(); len(lists) != 1 || lists[0] != (cluster.ListOptions{Namespace: "apps", ChunkSize: 2}) {
		t.Errorf("lists %+v; want one, in apps, in pages of 2", lists)
	}
	if r.rate != cluster.DefaultRate {
		t.Errorf("rate %+v; want kubectl's %+v", r.rate, cluster.DefaultRate)
	}
}

func TestStatusJSONFilterAndSort(t *testing.T) {
	r := execute(t, fleet(t), "status", "-o", "json", "--failing", "-l", "")
	got := jsonStates(t, r.stdout)
	var names []string
	for _, st := range got {
		names = append(names, st.Name)
	}
	if r.code != ExitOK || len(names) != 3 || slicesContain(names, "ready") || slicesContain(names, "suspended") {
		t.Errorf("--failing: exit %d, %v", r.code, names)
	}
}

func slicesContain(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestStatusNamed(t *testing.T) {
	// A stalled release: nothing is due, so no LIST for the load.
	r := execute(t, fleet(t), "status", "stalled-retries-exceeded")
	if lists := r.fake.Lists(); r.code != ExitOK || !strings.Contains(r.stdout, "stalled-retries-exceeded") || len(lists) != 0 {
		t.Errorf("one name: exit %d, lists %+v; want the detail view from a GET alone", r.code, lists)
	}
	// A retrying one: one LIST of every namespace for the load.
	r = execute(t, fleet(t), "status", "retrying-upgrade")
	if lists := r.fake.Lists(); r.code != ExitOK || len(lists) != 1 || lists[0].Namespace != "" {
		t.Errorf("a retrying release: exit %d, lists %+v; want one LIST of every namespace for the load", r.code, lists)
	}

	r = execute(t, fleet(t), "status", "ready", "nope", "gone", "-o", "name")
	if r.code != ExitFailed || !strings.Contains(r.stderr, `HelmRelease "nope", "gone" not found in namespace apps`) ||
		!strings.Contains(r.stdout, "ready") {
		t.Errorf("missing names: exit %d; want the found one printed and both missing named once", r.code)
	}
}

func TestStatusEmptyAndNote(t *testing.T) {
	fake := clustertest.New()
	fake.SettingsNote = "note: using helm-controller's default settings"
	r := execute(t, fake, "status")
	if r.code != ExitOK || r.stdout != "" || !strings.Contains(r.stderr, "No HelmReleases found in namespace apps.") ||
		strings.Count(r.stderr, fake.SettingsNote) != 1 {
		t.Errorf("empty: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestStatusAPIErrors(t *testing.T) {
	cases := []struct {
		verb string
		err  error
		args []string
		want string
	}{
		{"list", apierrors.NewForbidden(cluster.HelmReleases.GroupResource(), "", errors.New("RBAC")), []string{"status", "-A"},
			"forbidden: you may not list helmreleases.helm.toolkit.fluxcd.io across all namespaces"},
		{"list", apierrors.NewNotFound(cluster.HelmReleases.GroupResource(), ""), []string{"status"}, "is Flux installed?"},
		{"get", apierrors.NewForbidden(cluster.HelmReleases.GroupResource(), "web", errors.New("RBAC")), []string{"status", "web"},
			"forbidden: you may not get helmreleases.helm.toolkit.fluxcd.io in namespace apps"},
	}
	for _, tc := range cases {
		fake := fleet(t)
		fake.SettingsNote = "note: not allowed either"
		fake.Dynamic.PrependReactor(tc.verb, "helmreleases", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, tc.err
		})
		r := execute(t, fake, tc.args...)
		if r.code != ExitFailed || !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, "See '") {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and %q, no usage hint", tc.args, r.code, r.stderr, tc.want)
		}
		if strings.Contains(r.stderr, fake.SettingsNote) {
			t.Errorf("%v: nothing listed, so the settings note would only repeat the failure", tc.args)
		}
	}
}

// A field of the wrong type costs that field, and it is reported the same
// way by status, status --watch and force --wait: they all read objects
// through inspect.Read.
func TestUndecodableFieldWarnedTheSameEverywhere(t *testing.T) {
	bad := clustertest.Object(t, `{"apiVersion":"helm.toolkit.fluxcd.io/v2","kind":"HelmRelease",
		"metadata":{"name":"odd","namespace":"apps"},"spec":{"interval":"banana","values":"not an object"},
		"status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"True","reason":"InstallSucceeded","message":"ok","lastTransitionTime":"2026-11-23T11:00:00Z"}]}}`)
	r := execute(t, clustertest.New(bad), "status", "-o", "json")
	listed := jsonStates(t, r.stdout)
	if len(listed) != 1 || len(listed[0].Warnings) != 1 || listed[0].Warnings[0].Code != "UndecodableField" {
		t.Fatalf("status: %+v", listed)
	}

	// The watch keeps what its LIST decoded, and decodes events from maps.
	o, _, _ := parseStatus(t, "-w")
	v := &liveView{o: o, seen: newAnalyses(defaultJudges(), clockStep)}
	objs, _, err := listScope(t.Context(), clustertest.New(bad), o.target, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.listed(objs); err != nil {
		t.Fatal(err)
	}
	if got := v.states(testNow); !reflect.DeepEqual(got[0].Warnings, listed[0].Warnings) {
		t.Errorf("--watch list: %+v\nstatus:       %+v", got[0].Warnings, listed[0].Warnings)
	}
	if got := inspect.ReadUnstructured(bad).Analyze(testNow, inspect.DefaultSettings()); !reflect.DeepEqual(got.Warnings, listed[0].Warnings) {
		t.Errorf("watch event: %+v\nstatus:      %+v", got.Warnings, listed[0].Warnings)
	}
}

// --concurrent 1 and an upgrade running: the retry due meanwhile is queued
// (table and JSON), and the load is counted before --phase filters, with a
// note that a selection short of -A is a lower bound.
func TestStatusControllerLoad(t *testing.T) {
	fake := clustertest.New(states(t, "progressing", "retrying-upgrade", "ready")...)
	fake.Settings.Concurrent = 1
	r := execute(t, fake, "status", "-A", "--phase", "retrying")
	// A pipe: the rows say queued; the load line is a terminal's.
	if r.code != ExitOK || !strings.Contains(r.stdout, "(queued") || strings.Contains(r.stdout, "controller:") {
		t.Errorf("table: exit %d\n%s", r.code, r.stdout)
	}
	r = execute(t, fake, "status", "-n", "apps", "-o", "json")
	var list struct {
		ControllerLoad *inspect.Load `json:"controllerLoad"`
		Items          []inspect.RetryState
	}
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatal(err)
	}
	l := list.ControllerLoad
	if l == nil || l.Busy != 1 || !l.Full || !l.LowerBound || l.Queued != 2 {
		t.Errorf("controllerLoad = %+v", l)
	}
	// One NAME: the others are listed for the load, so it is queued as in
	// the listing; with --no-load it is not, and says so.
	r = execute(t, fake, "status", "retrying-upgrade", "-o", "json")
	if !strings.Contains(r.stdout, `"queued": true`) || strings.Contains(r.stdout, "loadNote") {
		t.Errorf("a named release is judged under the load:\n%s", r.stdout)
	}
	r = execute(t, fake, "status", "retrying-upgrade", "-o", "json", "--no-load")
	if strings.Contains(r.stdout, `"queued"`) || !strings.Contains(r.stdout, `"loadNote": "the controller's load was not considered: --no-load"`) {
		t.Errorf("--no-load:\n%s", r.stdout)
	}
	// Forbidden to list the others: the window says why.
	locked := clustertest.New(states(t, "progressing", "retrying-upgrade")...)
	locked.Dynamic.PrependReactor("list", "helmreleases", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(cluster.HelmReleases.GroupResource(), "", errors.New("RBAC"))
	})
	r = execute(t, locked, "status", "retrying-upgrade", "-o", "json")
	if r.code != ExitOK || !strings.Contains(r.stdout, `the other HelmReleases could not be listed`) {
		t.Errorf("forbidden: exit %d\n%s", r.code, r.stdout)
	}
}

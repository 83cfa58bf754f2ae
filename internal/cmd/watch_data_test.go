package cmd

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
)

// watchLine is what this test reads of a line of `status -w -o json
// --output-watch-events`.
type watchLine struct {
	Type   string `json:"type"`
	Object struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Phase  string   `json:"phase"`
		WayOut []string `json:"wayOut"`
	} `json:"object"`
}

// `status -w -o json` is one JSON object per line per change, the listing
// first; with --output-watch-events each is a watch event, as kubectl
// prints them; after a re-list (410 Gone) only what changed (a new
// resourceVersion), and what went away as DELETED.
func TestStatusWatchJSONLines(t *testing.T) {
	fake := clustertest.New(states(t, "ready", "retrying-upgrade")...)
	first := watch.NewFake()
	forbidden := apierrors.NewForbidden(cluster.HelmReleases.GroupResource(), "", errors.New("RBAC"))
	watchSeq(fake, first, forbidden)
	go func() {
		first.Add(states(t, "stalled-retries-exceeded")[0])
		first.Delete(states(t, "ready")[0])
		first.Error(gone()) // re-list: ready is back, stalled-retries-exceeded is not
	}()
	r := execute(t, fake, "status", "-w", "-o", "json", "--output-watch-events")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "forbidden") {
		t.Errorf("the refused watch ends it: exit %d, %q", r.code, r.stderr)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		var l watchLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("not one JSON object per line: %v\n%s", err, r.stdout)
		}
		if l.Object.Kind != "RetryState" || l.Object.Phase == "" {
			t.Errorf("the object is not a RetryState: %s", line)
		}
		got = append(got, l.Type+" "+l.Object.Metadata.Name)
		if l.Object.Metadata.Name == "stalled-retries-exceeded" && l.Type == "ADDED" &&
			(len(l.Object.WayOut) == 0 || !strings.HasPrefix(l.Object.WayOut[0], "kubectl hrretry force")) {
			t.Errorf("no wayOut: %s", line)
		}
	}
	want := []string{"ADDED ready", "ADDED retrying-upgrade", "ADDED stalled-retries-exceeded", "DELETED ready",
		"ADDED ready", "DELETED stalled-retries-exceeded"} // retrying-upgrade: the same resourceVersion, no change
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the stream:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Without events, each change is the RetryState itself; -o name and
// jsonpath write a line per change too; --phase filters the stream.
func TestStatusWatchOtherFormats(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-o", "json"}, `{"apiVersion":"hrretry.kubectl.io/v1alpha1","kind":"RetryState","metadata":{"name":"ready"`},
		{[]string{"-o", "name"}, "helmrelease.helm.toolkit.fluxcd.io/ready\nhelmrelease.helm.toolkit.fluxcd.io/retrying-upgrade\n"},
		{[]string{"-o", "name", "--output-watch-events"}, "ADDED helmrelease.helm.toolkit.fluxcd.io/ready\n"},
		{[]string{"-o", "jsonpath={.name} {.phase}{\"\\n\"}", "--phase", "retrying"}, "retrying-upgrade retrying\n"},
		{[]string{"-o", "yaml"}, "---\napiVersion: hrretry.kubectl.io/v1alpha1\n"},
	} {
		fake := clustertest.New(states(t, "ready", "retrying-upgrade")...)
		watchSeq(fake, apierrors.NewForbidden(cluster.HelmReleases.GroupResource(), "", errors.New("RBAC")))
		r := execute(t, fake, append([]string{"status", "-w"}, c.args...)...)
		if !strings.HasPrefix(r.stdout, c.want) {
			t.Errorf("status -w %v:\n%s\nwant it to start with:\n%s", c.args, r.stdout, c.want)
		}
	}
}

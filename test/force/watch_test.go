package force

import (
	"bufio"
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestWatchOnAPipe: `status --watch` lists once, watches once, prints one
// line per change when piped, and ends with exit 0 at --timeout.
func TestWatchOnAPipe(t *testing.T) {
	ns := "watch"
	newRelease(t, ns, "web", silent)
	newRelease(t, ns, "api", silent)
	cmd := exec.Command(s.bin, "--kubeconfig", s.kubeconfigs[readOnly], "--controller-namespace", "none",
		"--debug-requests", "status", "-n", ns, "--watch", "--timeout", "8s")
	var errOut strings.Builder
	cmd.Stderr = &errOut
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var got []string
	next := func() string {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("output ended early: %q\n%s", got, errOut.String())
			}
			got = append(got, l)
			return l
		case <-time.After(20 * time.Second):
			t.Fatalf("no output: %q", got)
		}
		return ""
	}
	// The listed table: a header and both rows. Then change one object.
	for range 3 {
		next()
	}
	hr := get(t, ns, "web")
	patch := client.MergeFrom(hr.DeepCopy())
	hr.Spec.Suspend = true
	if err := s.admin.Patch(context.Background(), hr, patch); err != nil {
		t.Fatal(err)
	}
	change := strings.Fields(next())
	if change[0] != "web" || !slices.Contains(change, "suspended") {
		t.Errorf("the change must be printed as a row for web, suspended: %q", change)
	}
	for range lines {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("watch must end with exit 0 at --timeout: %v\n%s", err, errOut.String())
	}
	if !strings.HasPrefix(got[0], "NAME") {
		t.Errorf("first line is not the header: %q", got[0])
	}
	// The HelmReleases' LIST and WATCH; the controller's discovery: a LIST
	// of the controller namespace's Deployments, then (none found) the GET
	// of the one --controller-name names.
	if !strings.Contains(errOut.String(), "(get 1, list 2, watch 1, patch 0)") {
		t.Errorf("want the LIST and WATCH, discovery's LIST and the settings GET, got: %s", errOut.String())
	}
}

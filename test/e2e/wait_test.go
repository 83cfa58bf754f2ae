package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

var updateGolden = flag.Bool("update", false, "rewrite test/e2e/testdata golden files")

var stamps = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)

// goldenPipe compares piped output, its times replaced by <time> (they
// count from when the fleet was seeded), with testdata/<name>.
func goldenPipe(t *testing.T, name, got string) {
	t.Helper()
	got = stamps.ReplaceAllString(got, "<time>")
	path := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./test/e2e -run Wait -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// Over the seeded fleet, on a pipe: what is there already, what never will
// be (at once, not at --timeout), what is not there by --timeout.
func TestWaitFleet(t *testing.T) {
	h := env(t)
	r := h.run(t, userReadOnly, "wait", "frontend", "-n", "shop")
	if r.code != 0 || r.stdout != "shop/frontend reached ready\n" {
		t.Errorf("a ready release: exit %d, %q", r.code, r.stdout)
	}
	goldenPipe(t, "wait-ready.golden", r.stderr)

	r = h.run(t, userReadOnly, "wait", "hr/search", "-n", "shop", "--timeout", "1m")
	if r.code != 1 || r.took > 30*time.Second {
		t.Errorf("a stalled release fails at once: exit %d after %s", r.code, r.took)
	}
	goldenPipe(t, "wait-stalled.golden", r.stderr)

	r = h.run(t, userReadOnly, "wait", "-n", "shop", "-l", "tier=frontend", "--timeout", "2s")
	if r.code != 1 || r.stdout != "shop/frontend reached ready\n" {
		t.Errorf("catalog is still upgrading at --timeout: exit %d", r.code)
	}
	goldenPipe(t, "wait-timeout.golden", r.stderr)

	r = h.run(t, userReadOnly, "wait", "checkout", "-n", "shop", "--max-failures", "1")
	if r.code != 1 || !strings.Contains(r.stderr, "shop/checkout cannot reach ready: 2 failed attempts, more than --max-failures 1") {
		t.Errorf("RetryOnFailure past --max-failures: exit %d", r.code)
	}
	r = h.run(t, userReadOnly, "wait", "-A", "--phase", "suspended")
	if r.code != 1 || !strings.Contains(r.stderr, "platform/external-dns cannot reach ready: suspended") {
		t.Errorf("-A --phase suspended: exit %d", r.code)
	}
	r = h.run(t, userReadOnly, "wait", "-A", "-l", "tier=frontend", "--phase", "ready", "--for", "version=1.4.0")
	if r.code != 0 || strings.Count(r.stdout, "reached version=1.4.0") != 2 {
		t.Errorf("-A -l --phase --for version: exit %d\n%s", r.code, r.stdout)
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"wait", "nope", "-n", "shop"}, 1, `HelmRelease "nope" not found in namespace shop`},
		{[]string{"wait", "nope", "-n", "shop", "--for", "deleted"}, 0, "All 1 HelmRelease(s) reached deleted."},
		{[]string{"wait", "-n", "shop"}, 2, "name the HelmReleases to wait for"},
		{[]string{"wait", "a", "-A"}, 2, "cannot be combined"},
		{[]string{"wait", "a", "--for", "healthy"}, 2, "version=X, revision=N"},
		{[]string{"wait", "nope", "-n", "shop", "--for=delete"}, 0, "All 1 HelmRelease(s) reached deleted."},
		{[]string{"wait", "a", "--for", "deleted", "--max-failures", "2"}, 2, "a deletion does not fail"},
	} {
		if r := h.run(t, userReadOnly, c.args...); r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, want %d and %q:\n%s", c.args, r.code, c.code, c.want, r.stderr)
		}
	}
	if r := h.run(t, userNoList, "wait", "frontend", "-n", "shop"); r.code != 1 || !strings.Contains(r.stderr, "you may not list") {
		t.Errorf("without list: exit %d %q", r.code, r.stderr)
	}
}

// status --check over the fleet: the stalls are stuck; limits add the
// failing ones; a selection without them exits 0.
func TestStatusCheckFleet(t *testing.T) {
	h := env(t)
	r := h.run(t, userReadOnly, "status", "-A", "--check", "-o", "json")
	if r.code != 5 || !strings.Contains(r.stderr, "2 of 13 HelmRelease(s) stuck") {
		t.Errorf("-A --check: exit %d, %q", r.code, r.stderr)
	}
	stuck := stuckOf(t, r.stdout)
	if strings.Join(stuck, " ") != "platform/cert-manager shop/search" {
		t.Errorf("stuck: %v", stuck)
	}
	if r := h.run(t, userReadOnly, "status", "-A", "--check", "--phase", "ready,retrying"); r.code != 0 || !strings.Contains(r.stdout, "STUCK") {
		t.Errorf("--phase without the stalls: exit %d", r.code)
	}
	r = h.run(t, userReadOnly, "status", "-n", "shop", "--check", "--max-failures", "1")
	if r.code != 5 {
		t.Errorf("-n shop --max-failures 1: exit %d", r.code)
	}
	_, rows := tableRows(t, r.stdout)
	for _, row := range rows {
		if row["NAME"] == "checkout" && row["STUCK"] != "STUCK" || row["NAME"] == "frontend" && row["STUCK"] != "-" {
			t.Errorf("row %v", row)
		}
	}
	if r := h.run(t, userReadOnly, "status", "-n", "data", "-l", "tier=frontend", "--check"); r.code != 0 {
		t.Errorf("-l without a stuck release: exit %d", r.code)
	}
	if r := h.run(t, userReadOnly, "status", "--max-failures", "1"); r.code != 2 {
		t.Errorf("--max-failures without --check: exit %d", r.code)
	}
}

func stuckOf(t *testing.T, out string) []string {
	t.Helper()
	var l struct {
		Items []struct {
			Name, Namespace string
			Stuck           bool   `json:"stuck"`
			StuckReason     string `json:"stuckReason"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	var stuck []string
	for _, it := range l.Items {
		if it.Stuck != (it.StuckReason != "") {
			t.Errorf("%s: stuck %v with reason %q", it.Name, it.Stuck, it.StuckReason)
		}
		if it.Stuck {
			stuck = append(stuck, it.Namespace+"/"+it.Name)
		}
	}
	return stuck
}

// background is a wait running while the test changes the cluster.
type background struct {
	cmd      *exec.Cmd
	stdout   bytes.Buffer
	lines    chan string // stderr, line by line
	stderr   bytes.Buffer
	done     chan struct{}
	code     int
	cancel   context.CancelFunc
	exitedAt time.Time
}

func (h *harness) start(t *testing.T, args ...string) *background {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	b := &background{lines: make(chan string, 100), done: make(chan struct{}), cancel: cancel}
	b.cmd = exec.CommandContext(ctx, h.bin, append([]string{"--kubeconfig", h.kubeconfigs[userAdmin]}, args...)...)
	b.cmd.Env = []string{"HOME=" + h.dir, "PATH=" + os.Getenv("PATH"), "NO_COLOR=1", "TERM=dumb"}
	b.cmd.Stdout = &b.stdout
	pipe, err := b.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(io.TeeReader(pipe, &b.stderr))
		for sc.Scan() {
			b.lines <- sc.Text()
		}
		close(b.lines)
		err := b.cmd.Wait()
		b.exitedAt = time.Now()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			b.code = exit.ExitCode()
		}
		close(b.done)
	}()
	t.Cleanup(cancel)
	return b
}

// next is the next stderr line.
func (b *background) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-b.lines:
		if !ok {
			t.Fatalf("wait ended early:\n%s", b.stderr.String())
		}
		if strings.HasPrefix(l, "note: ") { // the controller's settings
			return b.next(t)
		}
		return l
	case <-time.After(time.Minute):
		t.Fatalf("no progress line within a minute:\n%s", b.stderr.String())
	}
	return ""
}

func (b *background) wait(t *testing.T) {
	t.Helper()
	for range b.lines {
	}
	<-b.done
	t.Logf("wait: exit %d\nstdout:\n%s\nstderr:\n%s", b.code, b.stdout.String(), b.stderr.String())
}

// The cluster changes while wait watches: a fix lands and is released, a
// spec changes under it, a stall, a deletion.
func TestWaitWatches(t *testing.T) {
	h := env(t)
	ctx := context.Background()
	const ns = "wait-e2e"
	if err := fixtures.EnsureNamespace(ctx, h.admin, ns); err != nil {
		t.Fatal(err)
	}
	create := func(name string, st fixtures.State) *v2.HelmRelease {
		return h.createRelease(t, fixtures.Release{Name: name, Namespace: ns, State: st})
	}

	t.Run("released after a fix", func(t *testing.T) {
		hr := create("web", fixtures.Retrying)
		hr.Spec.Chart.Spec.Version = "1.6.0" // the fix: generation 3
		if err := h.admin.Update(ctx, hr); err != nil {
			t.Fatal(err)
		}
		b := h.start(t, "wait", "web", "-n", ns, "--timeout", "1m")
		if l := b.next(t); !strings.Contains(l, "progressing") {
			t.Errorf("the new spec is not reconciled yet: %q", l)
		}
		released(t, h.admin, hr, "1.6.0")
		b.wait(t)
		if b.code != 0 || b.stdout.String() != ns+"/web reached ready\n" {
			t.Errorf("exit %d", b.code)
		}
	})

	t.Run("superseded", func(t *testing.T) {
		hr := create("api", fixtures.Retrying)
		b := h.start(t, "wait", "api", "-n", ns, "--timeout", "1m")
		b.next(t)
		hr.Spec.Chart.Spec.Version = "1.6.0"
		if err := h.admin.Update(ctx, hr); err != nil {
			t.Fatal(err)
		}
		b.wait(t)
		if b.code != 4 || !strings.Contains(b.stderr.String(), "generation 2, the spec waited for, was superseded by generation 3") {
			t.Errorf("exit %d", b.code)
		}
	})

	t.Run("stalls", func(t *testing.T) {
		hr := create("db", fixtures.Retrying)
		b := h.start(t, "wait", "-n", ns, "--field-selector", "metadata.name=db", "--timeout", "1m")
		b.next(t)
		hr.Status.Conditions = append(hr.Status.Conditions, metav1.Condition{Type: "Stalled", Status: metav1.ConditionTrue,
			Reason: "RetriesExceeded", Message: "Failed to upgrade after 3 attempt(s)", ObservedGeneration: hr.Generation,
			LastTransitionTime: metav1.Now()})
		if err := h.admin.Status().Update(ctx, hr); err != nil {
			t.Fatal(err)
		}
		b.wait(t)
		if b.code != 1 || !strings.Contains(b.stderr.String(), ns+"/db cannot reach ready: stalled") {
			t.Errorf("exit %d", b.code)
		}
	})

	// A chart built from a Git source: source-controller gives it the
	// version 1.6.0+<digest>; --for version=1.6.0 (kubectl's
	// condition=Ready beside) matches it, and -o json says so on stdout.
	t.Run("version with build metadata", func(t *testing.T) {
		hr := create("git", fixtures.Retrying)
		hr.Spec.Chart.Spec.Version = "1.6.0"
		if err := h.admin.Update(ctx, hr); err != nil {
			t.Fatal(err)
		}
		b := h.start(t, "wait", "git", "-n", ns, "--for", "version=1.6.0", "-o", "json", "--timeout", "1m")
		b.next(t)
		released(t, h.admin, hr, "1.6.0+9505d804ef85")
		b.wait(t)
		var doc struct {
			Kind, Verdict, Goal string
		}
		if err := json.Unmarshal(b.stdout.Bytes(), &doc); err != nil || b.code != 0 ||
			doc.Kind != "WaitResult" || doc.Verdict != "reached" || doc.Goal != "version=1.6.0" {
			t.Errorf("exit %d, %v, stdout %q", b.code, err, b.stdout.String())
		}
		if r := h.run(t, userReadOnly, "wait", "git", "-n", ns, "--for=condition=Ready", "--timeout", "10s"); r.code != 0 {
			t.Errorf("--for=condition=Ready: exit %d", r.code)
		}
	})

	t.Run("deleted", func(t *testing.T) {
		hr := create("tmp", fixtures.NeverReconciled)
		b := h.start(t, "wait", "tmp", "-n", ns, "--for", "deleted", "--timeout", "1m")
		b.next(t)
		if err := h.admin.Delete(ctx, hr); err != nil {
			t.Fatal(err)
		}
		b.wait(t)
		if b.code != 0 || b.stdout.String() != ns+"/tmp reached deleted\n" {
			t.Errorf("exit %d", b.code)
		}
	})
}

// released writes what the controller writes once the upgrade to version
// succeeded for hr's generation.
func released(t *testing.T, c client.Client, hr *v2.HelmRelease, version string) {
	t.Helper()
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(hr), hr); err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	st := &hr.Status
	st.ObservedGeneration, st.LastAttemptedGeneration, st.LastAttemptedRevision = hr.Generation, hr.Generation, version
	st.Failures, st.UpgradeFailures = 0, 0
	st.History = append(v2.Snapshots{{APIVersion: v2.CurrentSnapshotAPIVersion, Name: hr.Name, Namespace: hr.Namespace,
		Version: 4, Status: "deployed", Action: v2.ReleaseActionUpgrade, ChartName: hr.Spec.Chart.Spec.Chart,
		ChartVersion: version, Digest: "sha256:0f", FirstDeployed: now, LastDeployed: now}}, st.History...)
	var conds []metav1.Condition
	for _, typ := range []string{"Ready", "Released"} {
		conds = append(conds, metav1.Condition{Type: typ, Status: metav1.ConditionTrue, Reason: v2.UpgradeSucceededReason,
			Message: "Helm upgrade succeeded", ObservedGeneration: hr.Generation, LastTransitionTime: now})
	}
	st.Conditions = conds
	if err := c.Status().Update(context.Background(), hr); err != nil {
		t.Fatal(err)
	}
}

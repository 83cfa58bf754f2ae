package cmd

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// flaky is a cluster whose LIST is refused `failures` times once the test
// takes the server away (negative: for ever).
type flaky struct {
	*clustertest.Fake
	failures atomic.Int32
}

func (f *flaky) List(ctx context.Context, o cluster.ListOptions, page func(cluster.Page) error) (string, error) {
	if f.failures.Load() != 0 {
		f.failures.Add(-1)
		return "", refused
	}
	return f.Fake.List(ctx, o, page)
}

func executeFlaky(t *testing.T, c Cluster, args ...string) *run {
	t.Helper()
	r := &run{}
	var out, errOut bytes.Buffer
	deps := testDeps(nil, "", r, &out, &errOut)
	deps.Cluster = func(genericclioptions.RESTClientGetter, cluster.Rate) (Cluster, error) { return c, nil }
	root := NewRootCmd(deps)
	root.SetArgs(append([]string{"--kubeconfig", filepath.Join("testdata", "kubeconfig")}, args...))
	r.code = ExitCode(context.Background(), root.Execute(), &errOut)
	r.stdout, r.stderr = out.String(), errOut.String()
	t.Logf("kubectl hrretry %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	return r
}

// The server goes away under status --watch on a pipe: its watch closes
// and cannot be resumed, the LIST is refused once, then answers. One
// stderr line at the loss, one at the recovery, the table again from the
// fresh LIST; a refused watch afterwards ends it as before.
func TestStatusWatchConnectionLost(t *testing.T) {
	f := &flaky{Fake: clustertest.New(states(t, "ready", "retrying-upgrade")...)}
	first := watch.NewFake()
	forbidden := apierrors.NewForbidden(cluster.HelmReleases.GroupResource(), "", errors.New("RBAC"))
	watchSeq(f.Fake, first, refused, forbidden)
	ready := states(t, "ready")[0]
	go func() {
		first.Modify(ready) // taken once the first LIST is done
		f.failures.Store(1)
		first.Stop() // the server went away: the stream ends
	}()
	r := executeFlaky(t, f, "status", "-w")
	if !strings.Contains(r.stderr, "connection to the API server lost (connection refused): retrying; nothing below is live until it is back") ||
		!strings.Contains(r.stderr, "connection to the API server restored after 0s: listed afresh") {
		t.Errorf("want a line at the loss and one at the recovery:\n%s", r.stderr)
	}
	if n := strings.Count(r.stdout, "NAME"); n != 2 {
		t.Errorf("%d tables, want the first and the fresh LIST's", n)
	}
	if r.code != ExitFailed || !strings.Contains(r.stderr, "forbidden: you may not watch") {
		t.Errorf("exit %d", r.code)
	}
}

// wait while the server is away until --timeout: the loss said when it
// happens and in the last words, exit 1. A closed watch is never success.
func TestWaitConnectionLost(t *testing.T) {
	f := &flaky{Fake: clustertest.New(states(t, "retrying-upgrade")...)}
	first := watch.NewFake()
	watchSeq(f.Fake, first, refused)
	same := states(t, "retrying-upgrade")[0]
	go func() {
		first.Modify(same) // taken once the first LIST is done
		f.failures.Store(-1)
		first.Stop()
	}()
	r := executeFlaky(t, f, "wait", "retrying-upgrade", "--timeout", "2s")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "connection to the API server lost (connection refused)") ||
		!strings.Contains(r.stderr, "Timed out") ||
		!strings.Contains(r.stderr, "The connection to the API server was lost 2026-11-23T12:00:00Z (connection refused) and not restored") {
		t.Errorf("exit %d; want 1, the loss said at once and at the end", r.code)
	}
	if strings.Contains(r.stdout, "reached") {
		t.Errorf("a closed watch read as success: %q", r.stdout)
	}
}

// On a terminal the loss is one more header line, redrawn every second
// with its age, and gone once the fresh LIST is drawn.
func TestWatchTerminalConnectionLost(t *testing.T) {
	o, _, _ := parseStatus(t, "-w")
	var out bytes.Buffer
	o.deps.Streams.Out = &out
	o.term.tty = true
	now := testNow
	o.deps.Now = func() time.Time { return now }
	v := &liveView{o: o, seen: newAnalyses(defaultJudges(), clockStep)}
	if err := v.listed([]inspect.Decoded{inspect.ReadUnstructured(object(t, "retrying-upgrade", "", 0))}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "upgrade in ") {
		t.Fatalf("a live frame counts down:\n%s", out.String())
	}
	v.lost(&apiError{verb: "watch", err: refused})
	now = now.Add(12 * time.Second)
	out.Reset()
	_ = v.tick()
	want := "connection lost 12s ago, retrying — data as of " + testNow.Local().Format("15:04:05") + " (connection refused)\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("want the header line %q in:\n%s", want, out.String())
	}
	// Stale data claims no countdown: the window as clock times.
	if strings.Contains(out.String(), "upgrade in ") || !strings.Contains(out.String(), "2026-11-23T12:03:45Z") {
		t.Errorf("while the server is away, NEXT gives the window's times, not a countdown:\n%s", out.String())
	}
	v.restored()
	out.Reset()
	if err := v.listed(nil); err != nil || strings.Contains(out.String(), "connection lost") {
		t.Errorf("the fresh LIST's frame has no loss line:\n%s", out.String())
	}
}

// An error the server sends inside the watch gets the same one sentence
// as a refused request, naming the namespace.
func TestWatchErrorEventSentence(t *testing.T) {
	fake := clustertest.New(states(t, "ready")...)
	w := watch.NewFake()
	watchSeq(fake, w)
	go w.Error(&metav1.Status{Status: metav1.StatusFailure, Code: 403, Reason: metav1.StatusReasonForbidden, Message: "RBAC"})
	r := execute(t, fake, "status", "-w")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "Error: forbidden: you may not watch helmreleases.helm.toolkit.fluxcd.io in namespace apps;") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

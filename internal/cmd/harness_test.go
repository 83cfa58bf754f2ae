package cmd

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// testNow is the clock of pkg/inspect's fixtures.
var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// testToken is the force token testNow gives.
const testToken = "2026-11-23T12:00:00Z"

// states loads pkg/inspect/testdata/states/<name>.yaml (all in namespace apps).
func states(t *testing.T, names ...string) []runtime.Object {
	t.Helper()
	files := make([]string, len(names))
	for i, n := range names {
		files[i] = filepath.Join("..", "..", "pkg", "inspect", "testdata", "states", n+".yaml")
	}
	return clustertest.Load(t, files...)
}

// run is one command run against a fake cluster.
type run struct {
	fake           *clustertest.Fake
	stdout, stderr string
	code           int
	rate           cluster.Rate // what the command connected with
	connected      bool
}

// testDeps are a command's dependencies with fake streams and clock.
func testDeps(fake *clustertest.Fake, stdin string, r *run, out, errOut *bytes.Buffer) Deps {
	return Deps{
		Streams: genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: out, ErrOut: errOut},
		Now:     func() time.Time { return testNow },
		Getenv:  func(string) string { return "" },
		Build:   BuildInfo{Version: "v0.0.0-test"},
		Cluster: func(_ genericclioptions.RESTClientGetter, rate cluster.Rate) (Cluster, error) {
			r.rate, r.connected = rate, true
			return fake, nil
		},
	}
}

// execute runs the binary's command tree on args (with the test kubeconfig,
// whose namespace is apps) and maps the error as main does.
func execute(t *testing.T, fake *clustertest.Fake, args ...string) *run {
	t.Helper()
	return executeCtx(context.Background(), t, fake, "", args...)
}

func executeCtx(ctx context.Context, t *testing.T, fake *clustertest.Fake, stdin string, args ...string) *run {
	t.Helper()
	return executeWith(ctx, t, fake, stdin, nil, args...)
}

// movingClock starts at testNow and moves by step at each reading: a live
// view's time, which the fixed clock of the other tests never moves.
func movingClock(step time.Duration) func() time.Time {
	var n atomic.Int64
	return func() time.Time { return testNow.Add(time.Duration(n.Add(1)-1) * step) }
}

// executeWith is executeCtx with the clock now (nil: testNow).
func executeWith(ctx context.Context, t *testing.T, fake *clustertest.Fake, stdin string, now func() time.Time, args ...string) *run {
	t.Helper()
	r := &run{fake: fake}
	var out, errOut bytes.Buffer
	deps := testDeps(fake, stdin, r, &out, &errOut)
	if now != nil {
		deps.Now = now
	}
	root := NewRootCmd(deps)
	root.SetArgs(append([]string{"--kubeconfig", filepath.Join("testdata", "kubeconfig")}, args...))
	err := root.ExecuteContext(ctx)
	r.code = ExitCode(context.Background(), err, &errOut)
	r.stdout, r.stderr = out.String(), errOut.String()
	t.Logf("kubectl hrretry %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	return r
}

// parse runs Complete and Validate of one command through the runF hook
// and returns the options Run would have seen (nil when rejected), and the
// exit code.
func parseStatus(t *testing.T, args ...string) (*StatusOptions, int, string) {
	t.Helper()
	var got *StatusOptions
	code, stderr := parse(t, func(g *globalOptions, deps Deps) *cobra.Command {
		return NewCmdStatus(g, deps, func(o *StatusOptions) error { got = o; return nil })
	}, append([]string{"status"}, args...))
	return got, code, stderr
}

func parseForce(t *testing.T, args ...string) (*ForceOptions, int, string) {
	t.Helper()
	var got *ForceOptions
	code, stderr := parse(t, func(g *globalOptions, deps Deps) *cobra.Command {
		return NewCmdForce(g, deps, func(o *ForceOptions) error { got = o; return nil })
	}, append([]string{"force"}, args...))
	return got, code, stderr
}

func parse(t *testing.T, newCmd func(*globalOptions, Deps) *cobra.Command, args []string) (int, string) {
	t.Helper()
	r := &run{}
	var out, errOut bytes.Buffer
	deps := testDeps(clustertest.New(), "", r, &out, &errOut)
	root, g := newRoot(deps)
	root.AddCommand(newCmd(g, deps))
	root.SetArgs(append([]string{"--kubeconfig", filepath.Join("testdata", "kubeconfig")}, args...))
	code := ExitCode(context.Background(), root.Execute(), &errOut)
	if r.connected {
		t.Errorf("%v: runF replaces Run, yet the command connected", args)
	}
	return code, errOut.String()
}

// defaultJudges is one controller with the defaults, judging every release.
func defaultJudges() *judges {
	return newJudges(cluster.Single("flux-system", "helm-controller", inspect.DefaultSettings(), ""))
}

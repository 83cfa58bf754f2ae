package cmd

import (
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
)

func TestCompletionAsksTheCluster(t *testing.T) {
	r := execute(t, fleet(t), "__complete", "force", "st")
	if !strings.HasPrefix(r.stdout, "stalled-retries-exceeded\n:4\n") {
		t.Errorf("names: %q", r.stdout)
	}
	r = execute(t, fleet(t), "__complete", "status", "--namespace", "a")
	if !strings.HasPrefix(r.stdout, "apps\n:4\n") {
		t.Errorf("namespaces: %q", r.stdout)
	}
	r = execute(t, fleet(t), "__complete", "status", "-o", "ya")
	if !strings.Contains(r.stdout, "yaml") {
		t.Errorf("-o: %q", r.stdout)
	}
}

func TestVersionAndDebugRequests(t *testing.T) {
	if r := execute(t, clustertest.New(), "version"); r.code != ExitOK || !strings.HasPrefix(r.stdout, "kubectl-hrretry v0.0.0-test (") {
		t.Errorf("version: %q", r.stdout)
	}
	if r := execute(t, clustertest.New(), "status", "--debug-requests"); !strings.Contains(r.stderr, "API requests: 0") {
		t.Errorf("--debug-requests: %q", r.stderr)
	}
}

func TestColourIsDecidedOnce(t *testing.T) {
	for flag, want := range map[string]bool{"always": true, "never": false, "auto": false} {
		o, _, _ := parseStatus(t, "--color", flag)
		if o == nil || o.term.color != want || o.term.tty {
			t.Errorf("--color %s on a buffer: %+v", flag, o.term)
		}
	}
}

func TestConnect(t *testing.T) {
	flags := genericclioptions.NewConfigFlags(false)
	kubeconfig := filepath.Join("testdata", "kubeconfig")
	flags.KubeConfig = &kubeconfig
	if c, err := Connect(flags, cluster.DefaultRate); err != nil || c == nil {
		t.Errorf("Connect: %v", err) // it builds clients and sends nothing
	}
	missing := filepath.Join("testdata", "no-such-kubeconfig")
	flags.KubeConfig = &missing
	if _, err := Connect(flags, cluster.DefaultRate); err == nil || !strings.Contains(err.Error(), "loading the kubeconfig") {
		t.Errorf("a missing kubeconfig: %v", err)
	}
}

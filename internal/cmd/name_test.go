package cmd

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/golden/<name>, or rewrites it with -update.
func golden(t *testing.T, name string, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cmd -run %s -update)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./internal/cmd -run %s -update to accept):\n--- got\n%s\n--- want\n%s", name, t.Name(), got, want)
	}
}

func TestNameFor(t *testing.T) {
	for argv0, want := range map[string]string{
		"kubectl-hrretry":                              KubectlName,
		"/home/me/.krew/bin/kubectl-hrretry":           KubectlName,
		"/home/me/.fluxcd/plugins/flux-hrretry":        FluxName,
		`C:\Users\me\.fluxcd\plugins\flux-hrretry.exe`: FluxName,
		"flux-hrretry":                                 FluxName,
		"./bin/hrretry":                                KubectlName,
		"":                                             KubectlName,
	} {
		if got := NameFor(argv0); got != want {
			t.Errorf("NameFor(%q) = %q, want %q", argv0, got, want)
		}
	}
}

// executeAs runs the command tree as the binary named argv0 would.
func executeAs(t *testing.T, argv0 string, fake *clustertest.Fake, args ...string) *run {
	t.Helper()
	r := &run{fake: fake}
	var out, errOut bytes.Buffer
	deps := testDeps(fake, "", r, &out, &errOut)
	deps.Name = NameFor(argv0)
	root := NewRootCmd(deps)
	root.SetArgs(append([]string{"--kubeconfig", filepath.Join("testdata", "kubeconfig")}, args...))
	r.code = ExitCode(context.Background(), root.ExecuteContext(context.Background()), &errOut)
	r.stdout, r.stderr = out.String(), errOut.String()
	return r
}

// Every text the user reads names the command the way it was called:
// help, usage lines, examples, the way out (detail view, JSON wayOut, wait's
// exit lines) and the usage error's hint. The same binary, two names.
func TestNameInEveryText(t *testing.T) {
	for _, c := range []struct{ argv0, prefix string }{
		{"/usr/local/bin/kubectl-hrretry", "kubectl"},
		{"/root/.fluxcd/plugins/flux-hrretry", "flux"},
	} {
		name := NameFor(c.argv0)
		other := KubectlName
		if name == KubectlName {
			other = FluxName
		}
		var all strings.Builder
		for _, v := range []struct {
			file string
			args []string
			code int
		}{
			{"help", []string{"--help"}, ExitOK},
			{"status-help", []string{"status", "--help"}, ExitOK},
			{"force-help", []string{"force", "--help"}, ExitOK},
			{"wait-help", []string{"wait", "--help"}, ExitOK},
			{"history-help", []string{"history", "--help"}, ExitOK},
			{"detail-stalled", []string{"status", "stalled-retries-exceeded"}, ExitOK},
			{"usage-error", []string{"status", "--bogus"}, ExitUsage},
			{"version", []string{"version"}, ExitOK},
		} {
			r := executeAs(t, c.argv0, fleet(t), v.args...)
			if r.code != v.code {
				t.Errorf("%s %v: exit %d, want %d\n%s", name, v.args, r.code, v.code, r.stderr)
			}
			text := r.stdout + r.stderr
			// The flag lists are cobra's and pflag's; the texts are ours.
			text, _, _ = strings.Cut(text, "\nFlags:\n")
			golden(t, c.prefix+"-"+v.file+".golden", text)
			all.WriteString(r.stdout + r.stderr)
		}
		r := executeAs(t, c.argv0, fleet(t), "status", "stalled-retries-exceeded", "-o", "jsonpath={.wayOut[0]}")
		if !strings.HasPrefix(r.stdout, name+" force stalled-retries-exceeded -n apps") {
			t.Errorf("%s: the JSON wayOut: %q", name, r.stdout)
		}
		all.WriteString(r.stdout)
		if strings.Contains(all.String(), other) {
			t.Errorf("called as %s, a text names %q", name, other)
		}
		if !strings.Contains(all.String(), "See '"+name+" status --help' for usage.") {
			t.Errorf("%s: the usage hint does not name it", name)
		}
	}
}

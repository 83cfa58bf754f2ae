package krew_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// kubeVersion is the kubectl the tools module builds (hack/kube-bin.sh).
const kubeVersion = "v1.37.2"

// kubectlPath is $KUBEBUILDER_ASSETS/kubectl (make e2e sets it), else the
// folder hack/kube-bin.sh fills. Missing kubectl skips the test, but under
// CI=true it fails: CI must never pass by skipping.
func kubectlPath(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "kubectl-hrretry", "kube-"+kubeVersion)
	}
	p := filepath.Join(dir, "kubectl")
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&0o111 == 0 {
		msg := "kubectl " + kubeVersion + " is missing at " + p + " (build it with `make kube-bin`, or set KUBEBUILDER_ASSETS)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// krewEnv installs the archive for this machine's os/arch (linux/amd64 here)
// under a temporary KREW_ROOT the way krew does and returns an environment
// whose PATH starts with KREW_ROOT/bin, then kubectl's folder, then only the
// system folders the completion helper needs (sh, env). KUBECONFIG points
// at nothing, so no test ever talks to a real cluster by accident.
func krewEnv(t *testing.T, kubectl string) (env []string, krewRoot string, p Plugin) {
	t.Helper()
	d := getDist(t)
	p = readManifest(t, d.manifest)
	pl := platformFor(t, p, osArch{runtime.GOOS, runtime.GOARCH})
	krewRoot = t.TempDir()
	install(t, krewRoot, p, pl, filepath.Join(d.dir, archiveName(pl)))
	home := t.TempDir()
	env = []string{
		"PATH=" + strings.Join([]string{filepath.Join(krewRoot, "bin"), filepath.Dir(kubectl), "/usr/bin", "/bin"}, string(os.PathListSeparator)),
		"HOME=" + home,
		"KREW_ROOT=" + krewRoot,
		"KUBECONFIG=" + filepath.Join(home, "no-kubeconfig"),
		"NO_COLOR=1",
	}
	return env, krewRoot, p
}

// run runs kubectl with args in env and returns stdout; it fails the test
// if kubectl fails.
func run(t *testing.T, env []string, kubectl string, args ...string) string {
	t.Helper()
	out, code := runCode(t, env, kubectl, args...)
	if code != 0 {
		t.Fatalf("kubectl %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// runCode runs kubectl with args in env and returns stdout and the exit
// code; stderr is logged when kubectl fails.
func runCode(t *testing.T, env []string, kubectl string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectl, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code <= 0 {
		t.Fatalf("kubectl %s: %v", strings.Join(args, " "), err)
	}
	if code != 0 {
		t.Logf("kubectl %s: stderr:\n%s", strings.Join(args, " "), stderr.String())
	}
	return stdout.String(), code
}

func TestKubectlRunsKrewInstalledPlugin(t *testing.T) {
	kubectl := kubectlPath(t)
	env, krewRoot, p := krewEnv(t, kubectl)
	link := filepath.Join(krewRoot, "bin", "kubectl-hrretry")

	if out := run(t, env, kubectl, "version", "--client"); !strings.Contains(out, kubeVersion) {
		t.Fatalf("kubectl is not %s:\n%s", kubeVersion, out)
	}

	out := run(t, env, kubectl, "plugin", "list")
	t.Logf("kubectl plugin list:\n%s", out)
	if !strings.Contains(out, link) {
		t.Errorf("kubectl plugin list does not list %s", link)
	}

	out = run(t, env, kubectl, "hrretry", "version")
	t.Logf("kubectl hrretry version: %s", out)
	if !strings.HasPrefix(out, "kubectl-hrretry "+p.Spec.Version+" (commit ") {
		t.Errorf("kubectl hrretry version = %q, want kubectl-hrretry %s (commit ...)", out, p.Spec.Version)
	}
	if strings.Contains(out, "commit unknown") || strings.Contains(out, "built unknown") {
		t.Errorf("commit or build date not stamped: %q", out)
	}
}

// Shell completion: cobra's `completion` scripts, and kubectl's plugin
// completion (kubectl >= 1.26 runs kubectl_complete-hrretry from PATH, which
// the README links next to the plugin), speaking cobra's __complete protocol:
// one candidate a line, then :<directive>.
func TestKubectlCompletesPlugin(t *testing.T) {
	kubectl := kubectlPath(t)
	env, krewRoot, p := krewEnv(t, kubectl)

	for shell, want := range map[string]string{
		"bash": "__complete", "zsh": "#compdef", "fish": "complete -c",
	} {
		if out := run(t, env, kubectl, "hrretry", "completion", shell); !strings.Contains(out, want) {
			t.Errorf("kubectl hrretry completion %s has no %q:\n%.300s", shell, want, out)
		}
	}

	// Straight through kubectl to the plugin: directive line, even with no cluster.
	out := run(t, env, kubectl, "hrretry", "__complete", "status", "")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); !strings.HasPrefix(lines[len(lines)-1], ":") {
		t.Errorf("kubectl hrretry __complete status \"\" has no directive line:\n%s", out)
	}

	// Without the helper on PATH kubectl offers nothing for the plugin's arguments.
	if out := run(t, env, kubectl, "__complete", "hrretry", ""); strings.Contains(out, "status") {
		t.Errorf("completed without kubectl_complete-hrretry on PATH:\n%s", out)
	}
	helper := filepath.Join(krewRoot, "store", "hrretry", p.Spec.Version, "kubectl_complete-hrretry")
	if err := os.Symlink(helper, filepath.Join(krewRoot, "bin", "kubectl_complete-hrretry")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"hrretry", ""}, []string{"status", "force", "version", "completion"}},
		{[]string{"hrretry", "st"}, []string{"status"}},
		{[]string{"hrretry", "status", "--all"}, []string{"--all-namespaces"}},
		{[]string{"hrretry", "force", "--re"}, []string{"--reset"}},
	} {
		out := run(t, env, kubectl, append([]string{"__complete"}, c.args...)...)
		t.Logf("kubectl __complete %q:\n%s", c.args, out)
		for _, w := range c.want {
			if !hasCandidate(out, w) {
				t.Errorf("kubectl __complete %q offers no %q", c.args, w)
			}
		}
	}
}

// hasCandidate reports whether the __complete output offers word (a
// candidate may carry a tab and a description).
func hasCandidate(out, word string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.SplitN(l, "\t", 2)[0] == word {
			return true
		}
	}
	return false
}

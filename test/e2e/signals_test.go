package e2e

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// Ctrl-C and SIGTERM at each phase of each command that talks to the
// cluster: the plugin exits as a shell reports a process the signal ended
// (130, 143), says it was interrupted, and never exits 0 with output cut
// short. The gate holds the phase's request, so the signal lands in it.
func TestSignals(t *testing.T) {
	h := env(t)
	ctx := context.Background()
	const ns, name = "signals-e2e", "sig"
	if err := fixtures.EnsureNamespace(ctx, h.admin, ns); err != nil {
		t.Fatal(err)
	}
	h.createRelease(t, fixtures.Release{Name: name, Namespace: ns, State: fixtures.Retrying})
	g := newGate(t, h, "signals")
	phases := []struct {
		phase string
		hold  func(*http.Request) bool
		args  []string
	}{
		{"history, reading Events", pathHas("/events"), []string{"history", name}},
		{"history, reading Helm storage", pathHas("/secrets"), []string{"history", name, "--helm-storage"}},
		{"status NAME --helm-storage, reading Helm storage", pathHas("/secrets"), []string{"status", name, "--helm-storage"}},
		{"status -A --watch, watching", isWatch, []string{"status", "-A", "--watch"}},
		{"force, patching", isPatch, []string{"force", name}},
		{"force, waiting for the controller", isWatch, []string{"force", name, "--timeout", "1m"}},
		{"wait, watching", isWatch, []string{"wait", name, "--timeout", "1m"}},
	}
	signals := []struct {
		sig  syscall.Signal
		name string
		code int
	}{{syscall.SIGINT, "SIGINT", 130}, {syscall.SIGTERM, "SIGTERM", 143}}
	for _, p := range phases {
		for _, s := range signals {
			t.Run(p.phase+"/"+s.name, func(t *testing.T) {
				g.holdFirst(p.hold)
				r := h.interrupt(t, g, s.sig, append(p.args, "-n", ns)...)
				if r.code != s.code || !strings.Contains(r.stderr, "Interrupted ("+s.name+"): the output above is incomplete.") {
					t.Errorf("exit %d, want %d and the interruption said\nstdout:\n%s\nstderr:\n%s", r.code, s.code, r.stdout, r.stderr)
				}
				if p.args[0] != "force" && !strings.Contains(p.phase, "watching") && r.stdout != "" {
					t.Errorf("printed a view it had not finished reading:\n%s", r.stdout)
				}
			})
		}
	}
}

// interrupt runs the plugin through the gate, sends sig once the held
// request has arrived, and returns how it ended.
func (h *harness) interrupt(t *testing.T, g *gate, sig syscall.Signal, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.bin, append([]string{"--kubeconfig", g.kubeconfig}, args...)...)
	cmd.Env = []string{"HOME=" + h.dir, "PATH=" + os.Getenv("PATH"), "NO_COLOR=1", "TERM=dumb"}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case req := <-g.arrived:
		t.Logf("held %s", req)
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the request to hold never came\nstdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	}
	sent := time.Now()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	r := result{stdout: out.String(), stderr: errOut.String(), took: time.Since(sent)}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("kubectl-hrretry %s did not end within 2m of %v", strings.Join(args, " "), sig)
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	t.Logf("$ kubectl hrretry %s; %v once held: exit %d, %.2fs after the signal", strings.Join(args, " "), sig, r.code, r.took.Seconds())
	return r
}

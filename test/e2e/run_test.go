package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// result is one run of the plugin binary.
type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
	maxRSS         int64 // peak resident set, bytes (Linux: from the kernel's rusage)
}

// run runs the plugin as user (a kubeconfig written by the harness).
func (h *harness) run(t *testing.T, user string, args ...string) result {
	t.Helper()
	kc, ok := h.kubeconfigs[user]
	if !ok {
		t.Fatalf("no kubeconfig for user %q", user)
	}
	return h.runKubeconfig(t, kc, args...)
}

// runKubeconfig runs the plugin binary with --kubeconfig, in a clean
// environment: no KUBECONFIG, a HOME of its own, no colour.
func (h *harness) runKubeconfig(t *testing.T, kubeconfig string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.bin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Env = []string{"HOME=" + h.dir, "PATH=" + os.Getenv("PATH"), "NO_COLOR=1", "TERM=dumb"}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String(), took: time.Since(start), maxRSS: peakRSS(cmd.ProcessState)}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("kubectl-hrretry %s did not return within 2m", strings.Join(args, " "))
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("running %s: %v", h.bin, err)
	}
	t.Logf("$ kubectl hrretry %s   (exit %d, %.2fs)", strings.Join(args, " "), r.code, r.took.Seconds())
	return r
}

// mustSucceed fails the test unless the run exited 0.
func (r result) mustSucceed(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	return r
}

// tableRows reads the plain table: the header's column names, and for each
// row its cells keyed by column. Only the leading columns (NAMESPACE, NAME,
// READY, PHASE, ACTION) are read: their cells never contain spaces.
func tableRows(t *testing.T, out string) (header []string, rows []map[string]string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(strings.TrimSpace(lines[0]), "NAME") {
		t.Fatalf("no table header in:\n%s", out)
	}
	header = strings.Fields(lines[0])
	leading := 0
	for leading < len(header) && header[leading] != "STRATEGY" {
		leading++
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < leading {
			t.Fatalf("short table row %q", l)
		}
		row := map[string]string{}
		for i := 0; i < leading; i++ {
			row[header[i]] = f[i]
		}
		rows = append(rows, row)
	}
	return header, rows
}

// phasesByRelease maps "namespace/name" (or "name" without a NAMESPACE
// column) to the PHASE column.
func phasesByRelease(t *testing.T, out string) map[string]string {
	t.Helper()
	_, rows := tableRows(t, out)
	m := map[string]string{}
	for _, r := range rows {
		key := r["NAME"]
		if ns, ok := r["NAMESPACE"]; ok {
			key = ns + "/" + key
		}
		m[key] = r["PHASE"]
	}
	return m
}

// The documented -o json contract, declared here rather than imported from
// pkg/inspect, so a renamed field fails these tests.
type stateDoc struct {
	APIVersion  string `json:"apiVersion"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	Namespace   string `json:"namespace"`
	Phase       string `json:"phase"`
	Ready       string `json:"ready"`
	StallReason string `json:"stallReason"`
	LastAction  string `json:"lastAttemptedAction"`
	Strategy    struct {
		Name, Action, Source string
		RetryInterval        string `json:"retryInterval"`
	} `json:"strategy"`
	Failures struct {
		Count, Allowed, Total int64
		Exhausted             bool
	} `json:"failures"`
	Next struct {
		Action   string     `json:"action"`
		Earliest *time.Time `json:"earliest"`
		Latest   *time.Time `json:"latest"`
		Anchor   *struct {
			Condition, Reason string
			Time              time.Time
		} `json:"anchor"`
	} `json:"next"`
	Warnings []struct{ Code, Message string } `json:"warnings"`
}

type listDoc struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Items      []stateDoc `json:"items"`
}

// decodeList parses -o json of several releases, keyed "namespace/name".
func decodeList(t *testing.T, out string) map[string]stateDoc {
	t.Helper()
	var l listDoc
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("-o json is not JSON: %v\n%s", err, out)
	}
	if l.APIVersion != "hrretry.kubectl.io/v1alpha1" || l.Kind != "RetryStateList" {
		t.Errorf("list apiVersion/kind = %s/%s, want hrretry.kubectl.io/v1alpha1/RetryStateList", l.APIVersion, l.Kind)
	}
	m := map[string]stateDoc{}
	for _, it := range l.Items {
		m[it.Namespace+"/"+it.Name] = it
	}
	return m
}

// peakRSS is the finished process's peak resident set in bytes; 0 where
// the platform does not say. Linux reports ru_maxrss in KiB.
func peakRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss) << 10
	}
	return 0
}

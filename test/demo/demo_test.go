package demo

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// wantPhases are the plugin's phases once the demo has settled: each
// release gets there by itself within a minute of `up`.
var wantPhases = map[string]string{
	"shop/frontend":         "ready",
	"shop/checkout":         "retrying",
	"shop/payments":         "stalled",
	"shop/orders":           "stalled",
	"shop/reviews":          "waiting",
	"platform/ingress":      "ready",
	"platform/cert-manager": "ready",
	"platform/external-dns": "suspended",
}

func TestDemoUpDown(t *testing.T) {
	bins := findBinaries(t)
	demo := buildDemo(t)
	stateDir := t.TempDir()
	run := func(args ...string) (string, error) {
		cmd := exec.Command(demo, args...)
		cmd.Env = append(os.Environ(), "HRRETRY_DEMO_DIR="+stateDir)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// Whatever happens below, nothing is left running.
	t.Cleanup(func() { _, _ = run("down") })

	out, err := run("up", "-plugin", bins.plugin, "-bin-dir", bins.kubeDir,
		"-crd-dir", filepath.Join("..", "crd"), "-charts-dir", filepath.Join("..", "..", "testdata", "charts"))
	if err != nil {
		t.Fatalf("hrretry-demo up: %v\n%s", err, out)
	}
	t.Logf("hrretry-demo up:\n%s", out)
	for _, want := range []string{"$ kubectl hrretry status -A", "kubectl hrretry status -A --watch",
		"kubectl hrretry force payments -n shop --reset", "export KUBECONFIG=" + filepath.Join(stateDir, "kubeconfig")} {
		if !strings.Contains(out, want) {
			t.Errorf("up's output lacks %q", want)
		}
	}

	pid := readPid(t, filepath.Join(stateDir, "pid"))
	procs := descendants(pid)
	names := map[string]bool{}
	for _, p := range procs {
		names[exeName(p)] = true
	}
	for _, want := range []string{"kube-apiserver", "etcd", "helm-controller"} {
		if !names[want] {
			t.Errorf("no %s under the demo process %d (children: %v)", want, pid, names)
		}
	}
	ports := listeningPorts(append(procs, pid))
	t.Logf("demo process %d, under it %v (%v), listening on %v", pid, procs, names, ports)
	// kube-apiserver, etcd (client and peer), the chart server, the
	// controller's health and metrics endpoints.
	if len(ports) < 5 {
		t.Errorf("the demo listens on %v; want at least 5 ports", ports)
	}

	settle(t, bins.plugin, filepath.Join(stateDir, "kubeconfig"))
	controllerStopped(t, bins.plugin, filepath.Join(stateDir, "kubeconfig"), procs)

	if out, err := run("down"); err != nil {
		t.Fatalf("hrretry-demo down: %v\n%s", err, out)
	}
	for _, p := range append(procs, pid) {
		if alive(p) {
			t.Errorf("process %d (%s) is still running after down", p, exeName(p))
		}
	}
	if left := slices.DeleteFunc(listening(), func(p int) bool { return !slices.Contains(ports, p) }); len(left) > 0 {
		t.Errorf("ports %v are still listened on after down", left)
	}
	for _, f := range []string{"pid", "ready", "kubeconfig"} {
		if _, err := os.Stat(filepath.Join(stateDir, f)); err == nil {
			t.Errorf("%s is left in the state folder after down", f)
		}
	}
}

// settle waits until the plugin shows every release in its wanted phase;
// a release that never gets there fails the test after two minutes (a step
// that did not happen, not a timing assertion).
func settle(t *testing.T, plugin, kubeconfig string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got, err := phases(plugin, kubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		var wrong []string
		for k, want := range wantPhases {
			if got[k] != want {
				wrong = append(wrong, fmt.Sprintf("%s is %q, want %q", k, got[k], want))
			}
		}
		if len(got) != len(wantPhases) {
			wrong = append(wrong, fmt.Sprintf("%d releases, want %d", len(got), len(wantPhases)))
		}
		if len(wrong) == 0 {
			return
		}
		if time.Now().After(deadline) {
			slices.Sort(wrong)
			t.Fatalf("the demo did not settle within 2 minutes: %s", strings.Join(wrong, "; "))
		}
		time.Sleep(time.Second)
	}
}

// phases is namespace/name -> phase, from `status -A -o json`.
func phases(plugin, kubeconfig string) (map[string]string, error) {
	out, err := exec.Command(plugin, "--kubeconfig", kubeconfig, "status", "-A", "-o", "json").Output()
	if err != nil {
		return nil, fmt.Errorf("status -A -o json: %w", err)
	}
	var list struct {
		Items []struct{ Namespace, Name, Phase string }
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, fmt.Errorf("status -A -o json: %w\n%s", err, out)
	}
	m := map[string]string{}
	for _, it := range list.Items {
		m[it.Namespace+"/"+it.Name] = it.Phase
	}
	return m, nil
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the demo wrote no pid file: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pid file: %v", err)
	}
	return pid
}

// controllerStopped kills the demo's helm-controller (SIGKILL, as an OOM
// kill) and checks what the plugin says once the demo has written its
// Deployment's status (none available): every scheduled prediction says
// the controller is down, status --check exits 5 with that reason, wait
// gives up at once with it.
func controllerStopped(t *testing.T, plugin, kubeconfig string, procs []int) {
	t.Helper()
	killed := false
	for _, p := range procs {
		if exeName(p) == "helm-controller" {
			if err := syscall.Kill(p, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	if !killed {
		t.Fatal("no helm-controller to stop")
	}
	plugin1 := func(args ...string) (string, string, int) {
		cmd := exec.Command(plugin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		_ = cmd.Run()
		return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
	}
	deadline := time.Now().Add(time.Minute)
	var table string
	for {
		table, _, _ = plugin1("status", "-A")
		if strings.Contains(table, "(controller down)") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a minute after the kill, nothing says the controller is down:\n%s", table)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("status -A with helm-controller killed:\n%s", table)
	out, errOut, code := plugin1("status", "-A", "--check")
	if code != 5 || !strings.Contains(out, "controller down since") && !strings.Contains(errOut, "stuck") {
		t.Errorf("status --check: exit %d\n%s\n%s", code, out, errOut)
	}
	t.Logf("status -A --check: exit %d\n%s%s", code, out, errOut)
	out, errOut, code = plugin1("wait", "checkout", "-n", "shop", "--timeout", "10m")
	if code != 1 || !strings.Contains(errOut, "controller down since") {
		t.Errorf("wait: exit %d, want 1 with the reason\n%s", code, errOut)
	}
	t.Logf("wait checkout -n shop: exit %d\n%s%s", code, out, errOut)
}

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// up replaces any running demo with a new one, waits until every release
// has reached its first state, and shows them with the plugin.
func up(c config) error {
	if err := down(c); err != nil {
		return err
	}
	if fi, err := os.Stat(c.controllerBin()); err != nil || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is missing: build it with `hack/kube-bin.sh --with-controller` (make demo does)", c.controllerBin())
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	crdDir, err := filepath.Abs(c.crdDir)
	if err != nil {
		return err
	}
	chartsDir, err := filepath.Abs(c.chartsDir)
	if err != nil {
		return err
	}
	logFile, err := os.Create(c.path("demo.log"))
	if err != nil {
		return err
	}
	defer func() { _ = logFile.Close() }() // the child writes through its own copy of the descriptor
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "serve", "-bin-dir", c.binDir, "-crd-dir", crdDir, "-charts-dir", chartsDir)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// A session of its own: it outlives `make demo` and the terminal's
	// Ctrl-C, until `make demo-down`.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ready, err := waitReady(c, exited, 4*time.Minute)
	if err != nil {
		return fmt.Errorf("%w\n--- %s ---\n%s", err, c.path("demo.log"), tail(c.path("demo.log"), 20))
	}
	fmt.Print(ready)
	fmt.Printf("Demo ready in %.1fs.\n", time.Since(start).Seconds())
	return show(c, cmd.Process.Pid)
}

// waitReady polls for the ready file the background process writes last.
func waitReady(c config, exited <-chan error, timeout time.Duration) (string, error) {
	deadline := time.After(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			if err == nil { // %w would print a nil error as %!w(<nil>)
				err = errors.New("exit status 0")
			}
			return "", fmt.Errorf("the demo control plane exited while starting (%w)", err)
		case <-deadline:
			_ = down(c)
			return "", fmt.Errorf("the demo control plane was not ready after %s; stopped it", timeout)
		case <-tick.C:
			if b, err := os.ReadFile(c.path("ready")); err == nil {
				return string(b), nil
			}
		}
	}
}

// show prints the releases as the plugin sees them, then what to try.
func show(c config, pid int) error {
	kc := c.path("kubeconfig")
	fmt.Printf("\n$ kubectl hrretry status -A\n")
	cmd := exec.Command(c.plugin, "--kubeconfig", kc, "status", "-A")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kubectl hrretry status -A: %w", err)
	}
	pluginDir, _ := filepath.Abs(filepath.Dir(c.plugin))
	fmt.Printf(`
The demo runs in the background (pid %d; logs %s and %s).
helm-controller acts on these releases as you watch. Point kubectl and the plugin at it:

  export KUBECONFIG=%s
  export PATH="%s:%s:$PATH"

Then try:

  kubectl hrretry status -A --watch                # payments' wait times out, it is uninstalled and retried inside the window NEXT gives, then stalls; checkout retries every 30s
  kubectl hrretry status payments -n shop          # once stalled (within a minute): what happened, what the controller does next, the way out
  kubectl hrretry force payments -n shop --reset   # the controller tries again at once; force waits for it and reports the outcome
%s
Stop it with: make demo-down
`, pid, c.path("demo.log"), c.path("helm-controller.log"), kc, pluginDir, c.binDir, waitHint(c.plugin))
	return nil
}

// waitHint points at `kubectl hrretry wait` when the plugin has it.
func waitHint(plugin string) string {
	if exec.Command(plugin, "wait", "--help").Run() != nil {
		return ""
	}
	return "  kubectl hrretry wait --help                     # wait for a release's next outcome\n"
}

// down stops a running demo: SIGTERM, then wait until it has stopped
// helm-controller, the chart server, kube-apiserver and etcd, and exited. Nothing running is not an error.
func down(c config) error {
	pid, ok := runningDemo(c)
	if !ok {
		return nil
	}
	children := childrenOf(pid)
	fmt.Printf("Stopping the demo (pid %d)...\n", pid)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	if !waitGone(60*time.Second, append(children, pid)...) {
		// It did not stop in time: kill what is left rather than leave
		// a controller, an API server or etcd behind. Each runs in its
		// own group.
		for _, p := range children {
			_ = syscall.Kill(-p, syscall.SIGKILL)
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
		if !waitGone(10*time.Second, append(children, pid)...) {
			return fmt.Errorf("processes %v did not exit", append(children, pid))
		}
		removeState(c)
	}
	fmt.Println("Stopped: helm-controller, kube-apiserver, etcd and the demo process have exited.")
	return nil
}

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// up replaces any running demo with a new one, waits until it is seeded,
// and shows it with the plugin.
func up(c config) error {
	if err := down(c); err != nil {
		return err
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	crdDir, err := filepath.Abs(c.crdDir)
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
	cmd := exec.Command(self, "serve", "-bin-dir", c.binDir, "-crd-dir", crdDir)
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
	ready, err := waitReady(c, exited, 3*time.Minute)
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

// show prints the fleet as the plugin sees it, and how to use and stop it.
func show(c config, pid int) error {
	kc := c.path("kubeconfig")
	for _, args := range [][]string{{"status", "-A"}, {"status", "search", "-n", "shop"}} {
		fmt.Printf("\n$ kubectl hrretry %s\n", strings.Join(args, " "))
		cmd := exec.Command(c.plugin, append([]string{"--kubeconfig", kc}, args...)...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("kubectl hrretry %s: %w", strings.Join(args, " "), err)
		}
	}
	pluginDir, _ := filepath.Abs(filepath.Dir(c.plugin))
	fmt.Printf(`
The demo control plane runs in the background (pid %d, log %s).
Point kubectl and the plugin at it:

  export KUBECONFIG=%s
  export PATH="%s:%s:$PATH"
  kubectl get helmreleases -A
  kubectl hrretry status -A

Stop it with: make demo-down
`, pid, c.path("demo.log"), kc, pluginDir, c.binDir)
	return nil
}

// down stops a running demo: SIGTERM, then wait until it has stopped
// kube-apiserver and etcd and exited. Nothing running is not an error.
func down(c config) error {
	pid, ok := runningDemo(c)
	if !ok {
		return nil
	}
	children := childrenOf(pid)
	fmt.Printf("Stopping the demo control plane (pid %d)...\n", pid)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	if !waitGone(60*time.Second, append(children, pid)...) {
		// It did not stop in time: kill what is left rather than leave
		// an API server and etcd behind. Each runs in its own group.
		for _, p := range children {
			_ = syscall.Kill(-p, syscall.SIGKILL)
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
		if !waitGone(10*time.Second, append(children, pid)...) {
			return fmt.Errorf("processes %v did not exit", append(children, pid))
		}
		removeState(c)
	}
	fmt.Println("Stopped: kube-apiserver, etcd and the demo process have exited.")
	return nil
}

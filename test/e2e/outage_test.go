package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
)

// streamed is the plugin running in the background, its stdout and
// stderr read line by line as they come, each line with when it came.
type streamed struct {
	cmd   *exec.Cmd
	lines chan timedLine
	done  chan struct{}
	code  int
	all   strings.Builder // every line, "out: " or "err: ", for the log
}

type timedLine struct {
	stream, text string
	at           time.Time
}

func (h *harness) stream(t *testing.T, kubeconfig string, args ...string) *streamed {
	t.Helper()
	cmd := h.command(kubeconfig, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errOut, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return follow(t, cmd, out, errOut)
}

// streamPTY is stream with stdout on a terminal (a pty of the test's own:
// 200 columns, 50 rows), as a person watching sees it.
func (h *harness) streamPTY(t *testing.T, kubeconfig string, args ...string) *streamed {
	t.Helper()
	master, slave, err := openPTY()
	if err != nil {
		t.Fatalf("a pty: %v", err)
	}
	cmd := h.command(kubeconfig, args...)
	cmd.Env = append(cmd.Env[:len(cmd.Env)-1], "TERM=xterm") // NO_COLOR still: plain text
	cmd.Stdout = slave
	errOut, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = slave.Close() // the child's now: the master reads EIO once it exits
	t.Cleanup(func() { _ = master.Close() })
	return follow(t, cmd, master, errOut)
}

func (h *harness) command(kubeconfig string, args ...string) *exec.Cmd {
	cmd := exec.Command(h.bin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Env = []string{"HOME=" + h.dir, "PATH=" + os.Getenv("PATH"), "NO_COLOR=1", "TERM=dumb"}
	return cmd
}

func follow(t *testing.T, cmd *exec.Cmd, out, errOut io.Reader) *streamed {
	s := &streamed{cmd: cmd, lines: make(chan timedLine, 10000), done: make(chan struct{})}
	read := func(name string, r io.Reader, done chan<- struct{}) {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			s.lines <- timedLine{stream: name, text: sc.Text(), at: time.Now()}
		}
		close(done)
	}
	outDone, errDone := make(chan struct{}), make(chan struct{})
	go read("out", out, outDone)
	go read("err", errOut, errDone)
	go func() {
		<-errDone
		_ = s.cmd.Wait()
		<-outDone
		s.code = s.cmd.ProcessState.ExitCode()
		close(s.lines)
		close(s.done)
	}()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.done
	})
	return s
}

// until reads lines until one of stream contains want, and returns when
// it came; the test fails after a minute without it.
func (s *streamed) until(t *testing.T, stream, want string) time.Time {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				t.Fatalf("ended before %s said %q:\n%s", stream, want, s.all.String())
			}
			fmt.Fprintf(&s.all, "%s: %s\n", l.stream, l.text)
			if l.stream == stream && strings.Contains(l.text, want) {
				return l.at
			}
		case <-deadline:
			t.Fatalf("%s never said %q:\n%s", stream, want, s.all.String())
		}
	}
}

// untilFrame reads a terminal's lines until a frame's header (the clock
// line) is followed by the table rather than a loss line.
func (s *streamed) untilFrame(t *testing.T) {
	t.Helper()
	afterClock := false
	deadline := time.After(time.Minute)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				t.Fatalf("ended before a frame without the loss:\n%s", s.all.String())
			}
			fmt.Fprintf(&s.all, "%s: %s\n", l.stream, l.text)
			if l.stream != "out" {
				continue
			}
			if afterClock && strings.Contains(l.text, "NAMESPACE") {
				return
			}
			afterClock = strings.Contains(l.text, "(watching; Ctrl-C to stop)")
		case <-deadline:
			t.Fatalf("no frame without the loss line:\n%s", s.all.String())
		}
	}
}

// end waits for the exit and returns the exit code.
func (s *streamed) end(t *testing.T) int {
	t.Helper()
	for l := range s.lines {
		fmt.Fprintf(&s.all, "%s: %s\n", l.stream, l.text)
	}
	<-s.done
	t.Logf("exit %d:\n%s", s.code, s.all.String())
	return s.code
}

// kube-apiserver goes away for real (stopped) under status -A --watch on a
// pipe and under wait, then comes back on the same port with the same
// certificates: what each says and when. The figures (loss to first sign)
// are printed; what the user sees and the exit codes are asserted.
func TestAPIServerOutage(t *testing.T) {
	h := env(t)
	ctx := context.Background()
	srv, err := h.others.startIn(h.binDir, h.cp.EtcdURL(), "/hrretry-e2e-outage", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.others.stop(srv) })
	admin, err := serverUser(srv, "admin", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := envtest.InstallCRDs(admin, envtest.CRDInstallOptions{Paths: []string{filepath.Join("..", "crd")}}); err != nil {
		t.Fatal(err)
	}
	c, err := fixtures.NewClient(admin)
	if err != nil {
		t.Fatal(err)
	}
	const ns = "outage"
	if err := fixtures.EnsureNamespace(ctx, c, ns); err != nil {
		t.Fatal(err)
	}
	if _, err := fixtures.Create(ctx, c, fixtures.Release{Name: "web", Namespace: ns, State: fixtures.Retrying}, time.Now()); err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(h.dir, "outage.kubeconfig")
	if err := controlplane.WriteKubeconfig(kubeconfig, "e2e-outage", admin); err != nil {
		t.Fatal(err)
	}

	watchPipe := h.stream(t, kubeconfig, "status", "-A", "--watch")
	watchPipe.until(t, "out", "web")
	watchTTY := h.streamPTY(t, kubeconfig, "status", "-A", "--watch")
	watchTTY.until(t, "out", "web")
	wait := h.stream(t, kubeconfig, "wait", "web", "-n", ns, "--timeout", "20s")
	wait.until(t, "err", "outage/web  retrying")

	stopped := time.Now()
	killAPIServer(t, "/hrretry-e2e-outage")
	if err := srv.Stop(); err != nil { // reaps it, keeps its certificates
		t.Fatal(err)
	}
	down := time.Now()
	ttySign := watchTTY.until(t, "out", "connection lost ")
	pipeSign := watchPipe.until(t, "err", "connection to the API server lost (")
	waitSign := wait.until(t, "err", "connection to the API server lost (")
	fmt.Fprintf(os.Stderr, "e2e: kube-apiserver killed (SIGKILL, reaped in %.2fs): first sign %.2fs after the kill on status --watch's terminal, %.2fs on its pipe, %.2fs on wait's\n",
		down.Sub(stopped).Seconds(), ttySign.Sub(stopped).Seconds(), pipeSign.Sub(stopped).Seconds(), waitSign.Sub(stopped).Seconds())
	watchTTY.until(t, "out", "connection lost 2s ago, retrying — data as of ") // the age counts up

	// wait runs out its --timeout with the server away: exit 1, the loss
	// in its last words.
	wait.until(t, "err", "Timed out after 20s")
	wait.until(t, "err", "The connection to the API server was lost")
	if code := wait.end(t); code != 1 {
		t.Errorf("wait with the server away: exit %d, want 1", code)
	}

	// Back on the same port: the pipe says so and lists afresh.
	restarted := time.Now()
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	back := watchPipe.until(t, "err", "connection to the API server restored after")
	fmt.Fprintf(os.Stderr, "e2e: kube-apiserver restarted in %.2fs; status --watch said it was back %.2fs after the restart began\n",
		time.Since(restarted).Seconds(), back.Sub(restarted).Seconds())
	watchTTY.untilFrame(t) // the loss line gone from the frame drawn after the fresh LIST
	if err := watchTTY.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := watchTTY.end(t); code != 130 {
		t.Errorf("status --watch on a terminal after Ctrl-C: exit %d, want 130", code)
	}
	if err := watchPipe.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := watchPipe.end(t); code != 130 {
		t.Errorf("status --watch after Ctrl-C: exit %d, want 130", code)
	}
	if n := strings.Count(watchPipe.all.String(), "out: outage     web"); n != 2 {
		t.Errorf("%d tables: want the first and the fresh LIST's after the restart", n)
	}
	if strings.Contains(watchPipe.all.String(), "Watch failed") || strings.Contains(watchPipe.all.String(), ".go:") {
		t.Errorf("klog output reached the user:\n%s", watchPipe.all.String())
	}
}

// killAPIServer kills (SIGKILL, as an OOM kill or a node loss would) the
// kube-apiserver this test process started with etcd prefix prefix: found
// by its parent and its command line, never by name alone.
func killAPIServer(t *testing.T, prefix string) {
	t.Helper()
	procs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range procs {
		cmdline, err := os.ReadFile(filepath.Join(p, "cmdline"))
		if err != nil || !strings.Contains(string(cmdline), "kube-apiserver") || !strings.Contains(string(cmdline), prefix) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(p, "stat"))
		if err != nil {
			continue
		}
		// stat: pid (comm) state ppid ...
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		pid, _ := strconv.Atoi(filepath.Base(p))
		if len(fields) > 1 && fields[1] == strconv.Itoa(os.Getpid()) {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no kube-apiserver with etcd prefix %s among this process's children", prefix)
}

package groundtruth

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
)

// The wait scenarios run `kubectl hrretry wait` while the controller works,
// and measure the time from the condition that decides the wait (Ready for
// the new generation, Stalled) to the command's exit, both as seen on this
// machine: the test's watch stamps the condition, the command's exit is
// stamped when the process ends.
func waitScenarios() []scenario {
	return []scenario{
		{"33-wait-fixed", waitFixed},
		{"34-wait-stalls", waitStalls},
		{"35-wait-max-failures", waitMaxFailures},
		{"36-wait-superseded", waitSuperseded},
	}
}

// waitReaction bounds the time from the decisive condition to wait's exit:
// the "within 5 s of Stalled" (watch delivery to two processes on
// a loaded machine included).
const waitReaction = 5 * time.Second

// waitRun is `kubectl-hrretry wait` running in the background.
type waitRun struct {
	args           []string
	start, end     time.Time
	code           int
	stdout, stderr bytes.Buffer
	progress       chan struct{} // closed at its first progress line
	done           chan struct{}
}

// startWait starts wait on the release with args; it returns once the
// command has listed and printed its first progress line, so a change made
// after it is one the command watches happen.
func (s *stage) startWait(rec *recorder, args ...string) *waitRun {
	s.t.Helper()
	wr := &waitRun{args: args, progress: make(chan struct{}), done: make(chan struct{})}
	argv := append([]string{"wait", rec.name, "-n", s.ns, "--kubeconfig", s.w.cl.kubeconfig}, args...)
	cmd := exec.CommandContext(s.ctx, s.w.bins.plugin, argv...)
	cmd.Stdout = &wr.stdout
	pipe, err := cmd.StderrPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	wr.start = time.Now()
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	go func() {
		var once sync.Once
		sc := bufio.NewScanner(io.TeeReader(pipe, &wr.stderr))
		for sc.Scan() {
			if !strings.HasPrefix(sc.Text(), "note: ") {
				once.Do(func() { close(wr.progress) })
			}
		}
		err := cmd.Wait()
		wr.end = time.Now()
		once.Do(func() { close(wr.progress) })
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			wr.code = ee.ExitCode()
		}
		close(wr.done)
	}()
	<-wr.progress
	return wr
}

// finished waits for the command's exit, and checks its code.
func (s *stage) finished(wr *waitRun, code int) {
	s.t.Helper()
	select {
	case <-wr.done:
	case <-time.After(5 * time.Minute):
		s.t.Fatalf("wait %v did not exit within 5m:\n%s", wr.args, wr.stderr.String())
	}
	s.t.Logf("wait %v: exit %d after %.1fs\nstdout: %sstderr: %s", wr.args, wr.code, wr.end.Sub(wr.start).Seconds(), wr.stdout.String(), wr.stderr.String())
	if wr.code != code {
		s.t.Errorf("wait %v: exit %d, want %d", wr.args, wr.code, code)
	}
}

// decisive is when the test's watch first saw cond hold after t.
func (s *stage) decisive(rec *recorder, after time.Time, cond func(*v2.HelmRelease) bool) time.Time {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, st := range rec.states {
		if st.At.After(after) && cond(st.HR) {
			return st.At
		}
	}
	return time.Time{}
}

// delay logs (WAIT-DELAY, for the README's figures) and checks the time
// from the decisive condition to the exit.
func (s *stage) delay(rec *recorder, wr *waitRun, what string, cond func(*v2.HelmRelease) bool) {
	s.t.Helper()
	// wait's own watch may see the decisive state before this test's does:
	// let the recording catch up (bounded) before measuring.
	s.waitFor(rec, what, 10*time.Second, func(hr *v2.HelmRelease, _ []attempt) bool { return !s.decisive(rec, wr.start, cond).IsZero() })
	at := s.decisive(rec, wr.start, cond)
	if at.IsZero() {
		s.t.Errorf("%s: the watch never saw %s", rec.name, what)
		return
	}
	d := wr.end.Sub(at)
	s.t.Logf("WAIT-DELAY %s: %s -> exit %d after %.2fs (wait ran %.1fs)", scenarioName(s), what, wr.code, d.Seconds(), wr.end.Sub(wr.start).Seconds())
	if d > waitReaction {
		s.t.Errorf("%s: wait exited %.2fs after %s; want within %s", rec.name, d.Seconds(), what, waitReaction)
	}
}

func readyFor(gen int64) func(*v2.HelmRelease) bool {
	return func(hr *v2.HelmRelease) bool { return hr.Generation == gen && ready(hr) }
}

// 30: Ready at generation 1; generation 2 points at a chart that times out
// and is retried; generation 3, the fix. wait starts right after each
// spec change, while the object still shows the previous generation's
// outcome: Ready (which must not count) then a failure streak (which must
// not fail it under --max-failures 1). It exits 0 once Ready for 3.
func waitFixed(s *stage) {
	s.publish("app", "ok", "0.1.0")
	s.publish("bad", "wait-timeout", "0.1.0")
	rec := s.release("app", spec("app", "1h", retryBoth))
	s.waitFor(rec, "the install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return ready(hr) })
	s.update(rec, "chartRef bad", func(hr *v2.HelmRelease) { hr.Spec.ChartRef.Name = "bad" })
	broken := s.startWait(rec, "--timeout", "20s")
	s.waitFor(rec, "the failed upgrade", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool {
		return hr.Generation == 2 && retrying(hr)
	})
	s.finished(broken, 1) // timed out: the Ready of generation 1 did not count
	if !strings.Contains(broken.stderr.String(), "Timed out after 20s") || broken.stdout.Len() > 0 {
		s.t.Errorf("wait on generation 2 must time out, not succeed on generation 1's Ready")
	}
	s.update(rec, "chartRef app: the fix", func(hr *v2.HelmRelease) { hr.Spec.ChartRef.Name = "app" })
	fixed := s.startWait(rec, "--max-failures", "1", "--timeout", "3m")
	s.finished(fixed, 0)
	s.delay(rec, fixed, "Ready for generation 3", readyFor(3))
	s.finish(expectReady())
}

// 31: RemediateOnFailure with 2 retries stalls after 3 failed installs:
// wait fails as soon as the stall shows, far before --timeout.
func waitStalls(s *stage) {
	s.publish("app", "wait-timeout", "0.1.0")
	rec := s.release("app", spec("app", "1m", "install:\n  strategy: {name: RemediateOnFailure}\n  remediation: {retries: 2}\n"))
	wr := s.startWait(rec, "--timeout", "5m")
	s.finished(wr, 1)
	if !strings.Contains(wr.stderr.String(), "cannot reach ready") || !strings.Contains(wr.stderr.String(), "kubectl hrretry force app -n "+s.ns) {
		s.t.Errorf("the exit line says why and the way out")
	}
	s.delay(rec, wr, "Stalled", stalled)
	s.hold(quiet) // "nothing next" must be watched for a while to agree
	s.finish(expectStalled())
}

// 32: RetryOnFailure never stalls: --max-failures 2 gives up at the third
// failed attempt (10s apart).
func waitMaxFailures(s *stage) {
	s.publish("app", "wait-timeout", "0.1.0")
	rec := s.release("app", spec("app", "1h", retryBoth))
	wr := s.startWait(rec, "--max-failures", "2", "--timeout", "5m")
	s.finished(wr, 1)
	if !strings.Contains(wr.stderr.String(), "3 failed attempts, more than --max-failures 2") {
		s.t.Errorf("the exit line names the limit")
	}
	s.delay(rec, wr, "the third failure", func(hr *v2.HelmRelease) bool { return hr.Status.Failures >= 3 })
	s.finish()
}

// 33: the spec changes while wait --for ready waits for it: exit 4, within
// the reaction time of the change.
func waitSuperseded(s *stage) {
	s.publish("app", "wait-timeout", "0.1.0")
	rec := s.release("app", spec("app", "1h", retryBoth))
	s.waitFor(rec, "the failed install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return retrying(hr) })
	wr := s.startWait(rec, "--timeout", "3m")
	s.update(rec, "interval 2h", func(hr *v2.HelmRelease) { hr.Spec.Interval.Duration = 2 * time.Hour })
	s.finished(wr, 4)
	if !strings.Contains(wr.stderr.String(), "generation 1, the spec waited for, was superseded by generation 2") {
		s.t.Errorf("the supersession is reported")
	}
	s.delay(rec, wr, "generation 2", func(hr *v2.HelmRelease) bool { return hr.Generation >= 2 })
	s.finish()
}

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
)

// liveSettings: the live-view figure (issue 26): `status -A --watch` piped
// while a writer changes `rate` statuses a second for `span`.
type liveSettings struct {
	rate int
	span time.Duration
	idle time.Duration
}

// benchLive measures the live view of each build on the seeded fleet of n.
func benchLive(cfg config, cp *controlplane.ControlPlane, kubeconfig string, n int) error {
	ls := cfg.live
	fmt.Printf("### Live view: `status -A --watch` piped, N = %d, %d status changes/s for %s\n\n", n, ls.rate, ls.span)
	c, err := fixtures.NewClient(cp.Admin)
	if err != nil {
		return err
	}
	builds := [][2]string{{"this build", cfg.plugin}}
	if cfg.before != "" {
		builds = append([][2]string{{"the -before build", cfg.before}}, builds...)
	}
	fmt.Println("| build | listed in | idle CPU | CPU during the changes | CPU per change | changes / lines | lag p50 | lag p99 | lag max | peak RSS | load average |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	for _, b := range builds {
		r, err := liveRun(c, b[1], kubeconfig, n, ls)
		if err != nil {
			return fmt.Errorf("%s: %w", b[0], err)
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %d / %d | %s | %s | %s | %.1f MiB | %s |\n", b[0], r.listed.Round(time.Millisecond),
			pct(r.idleCPU, ls.idle), pct(r.busyCPU, ls.span), perChange(r.busyCPU, r.writes), r.writes, len(r.lags),
			ms(quantile(r.lags, 0.5)), ms(quantile(r.lags, 0.99)), ms(quantile(r.lags, 1)), float64(r.peakKiB)/1024, loadAverage())
	}
	fmt.Println()
	return nil
}

type liveResult struct {
	listed           time.Duration
	idleCPU, busyCPU time.Duration
	writes           int
	lags             []time.Duration
	peakKiB          int // VmHWM when the run ends
}

// liveRun starts the view, waits for its table, measures its CPU idle,
// then while the writer runs, and matches each line to its change.
func liveRun(c client.Client, plugin, kubeconfig string, n int, ls liveSettings) (r liveResult, err error) {
	var list v2.HelmReleaseList
	if err := c.List(context.Background(), &list); err != nil {
		return r, err
	}
	cmd := exec.Command(plugin, "--kubeconfig="+kubeconfig, "status", "-A", "--watch")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return r, err
	}
	var stderr strings.Builder // its settings note; shown when it fails
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return r, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := bufio.NewScanner(out)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	for i := 0; i <= n; i++ { // the header and a row per release
		if !lines.Scan() {
			err := lines.Err()
			if err == nil {
				err = io.EOF
			}
			return r, fmt.Errorf("the view ended after %d lines of its table: %w\n%s", i, err, tail(stderr.String()))
		}
	}
	r.listed = time.Since(start)
	pid := cmd.Process.Pid
	before := cpuOf(pid)
	time.Sleep(ls.idle)
	r.idleCPU = cpuOf(pid) - before

	seen := make(chan lineAt, 4096)
	go func() {
		for lines.Scan() {
			f := strings.Fields(lines.Text())
			if len(f) >= 2 {
				seen <- lineAt{f[0] + "/" + f[1], time.Now()}
			}
		}
		close(seen)
	}()
	var mu sync.Mutex
	written := map[string][]time.Time{} // per release, when each change was sent
	before = cpuOf(pid)
	r.writes = writeChanges(c, list.Items, ls, func(k string, at time.Time) {
		mu.Lock()
		written[k] = append(written[k], at)
		mu.Unlock()
	}, func() { drainLines(seen, &mu, written, &r.lags) })
	r.busyCPU = cpuOf(pid) - before
	defer func() { r.peakKiB = peakRSS(pid) }()
	deadline := time.After(2 * time.Second) // the last lines
	for len(r.lags) < r.writes {
		select {
		case l, ok := <-seen:
			if !ok {
				return r, nil
			}
			match(l, &mu, written, &r.lags)
		case <-deadline:
			return r, nil
		}
	}
	return r, nil
}

type lineAt struct {
	key string
	at  time.Time
}

// drainLines matches the lines read so far.
func drainLines(seen <-chan lineAt, mu *sync.Mutex, written map[string][]time.Time, lags *[]time.Duration) {
	for {
		select {
		case l := <-seen:
			match(l, mu, written, lags)
		default:
			return
		}
	}
}

// match pairs a line with the oldest change of its release not yet shown.
func match(l lineAt, mu *sync.Mutex, written map[string][]time.Time, lags *[]time.Duration) {
	mu.Lock()
	defer mu.Unlock()
	if ts := written[l.key]; len(ts) > 0 {
		*lags = append(*lags, l.at.Sub(ts[0]))
		written[l.key] = ts[1:]
	}
}

// writeChanges writes ls.rate status changes a second for ls.span: a
// release, picked at random, reports a new attempt (its Ready condition's
// message and time, the failure count). sent is told of each change just
// before its request; drain runs between the writes.
func writeChanges(c client.Client, items []v2.HelmRelease, ls liveSettings, sent func(string, time.Time), drain func()) int {
	rng := rand.New(rand.NewPCG(26, uint64(len(items))))
	tick := time.NewTicker(time.Second / time.Duration(ls.rate))
	defer tick.Stop()
	end := time.Now().Add(ls.span)
	writes := 0
	for time.Now().Before(end) {
		<-tick.C
		hr := &items[rng.IntN(len(items))]
		hr.Status.Failures++
		now := metav1.Now()
		for i := range hr.Status.Conditions {
			if hr.Status.Conditions[i].Type == "Ready" {
				hr.Status.Conditions[i].LastTransitionTime = now
				hr.Status.Conditions[i].Message = "bench change " + strconv.Itoa(writes)
			}
		}
		sent(hr.Namespace+"/"+hr.Name, time.Now())
		if err := c.Status().Update(context.Background(), hr); err != nil {
			fmt.Fprintln(os.Stderr, "bench: status update:", err)
			continue
		}
		writes++
		drain()
	}
	return writes
}

// cpuOf is the user+sys CPU time of a process so far (/proc/PID/stat,
// in clock ticks of 10 ms).
func cpuOf(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// peakRSS is a process's peak resident set so far, in KiB (VmHWM).
func peakRSS(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kib, _ := strconv.Atoi(f[1])
			return kib
		}
	}
	return 0
}

func pct(cpu, wall time.Duration) string {
	return fmt.Sprintf("%.1f %%", 100*float64(cpu)/float64(wall))
}

func perChange(cpu time.Duration, changes int) string {
	if changes == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f ms", float64(cpu)/float64(changes)/float64(time.Millisecond))
}

// quantile of ds (q = 1: the largest); 0 when empty.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// measure is one command, run repeatedly under /usr/bin/time for peak RSS.
type measure struct {
	name       string
	argv       []string
	kubectlLog bool // count requests from kubectl's -v=6 log
}

type result struct {
	name     string
	walls    []time.Duration
	cpus     []time.Duration // user + sys, from /usr/bin/time
	rssKiB   []int           // each run's peak
	requests string
}

var (
	pluginRequests  = regexp.MustCompile(`API requests: (\d+) \(([^)]*)\)`)
	kubectlRequests = regexp.MustCompile(`(?m)"Response" verb="([A-Z]+)"`)
	timeLine        = regexp.MustCompile(`CPU ([0-9.]+) ([0-9.]+) RSS (\d+)\s*$`)
)

func (m measure) run(repeat int) (result, error) {
	r := result{name: m.name}
	for i := 0; i < repeat; i++ {
		argv := m.argv
		timed := false
		if _, err := os.Stat("/usr/bin/time"); err == nil {
			argv, timed = append([]string{"/usr/bin/time", "-f", "CPU %U %S RSS %M"}, argv...), true
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = nil, &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return r, fmt.Errorf("%w\n%s", err, tail(stderr.String()))
		}
		r.walls = append(r.walls, time.Since(start))
		if m := timeLine.FindStringSubmatch(stderr.String()); timed && m != nil {
			user, _ := strconv.ParseFloat(m[1], 64)
			sys, _ := strconv.ParseFloat(m[2], 64)
			kib, _ := strconv.Atoi(m[3])
			r.cpus = append(r.cpus, time.Duration((user+sys)*float64(time.Second)))
			r.rssKiB = append(r.rssKiB, kib)
		}
		r.requests = countRequests(stderr.String(), m)
	}
	return r, nil
}

func countRequests(stderr string, m measure) string {
	if m := pluginRequests.FindStringSubmatch(stderr); m != nil {
		return m[1] + " (" + m[2] + ")"
	}
	if m.kubectlLog {
		byVerb := map[string]int{}
		all := kubectlRequests.FindAllStringSubmatch(stderr, -1)
		for _, v := range all {
			byVerb[strings.ToLower(v[1])]++
		}
		return fmt.Sprintf("%d (%v)", len(all), byVerb)
	}
	if m := regexp.MustCompile(`pages: (\d+)`).FindStringSubmatch(stderr); m != nil {
		return m[1] + " (list)"
	}
	return "-"
}

func tail(s string) string {
	if len(s) > 800 {
		return s[len(s)-800:]
	}
	return s
}

// printTable prints wall time (median, spread), CPU (median user+sys), the
// ratios to the floor and to kubectl's -o json, peak RSS (the median of the
// runs' peaks, and the largest) and requests. results[0] is the floor; ref names the kubectl row.
func printTable(results []result, ref string) {
	fmt.Println("| command | wall median | min – max | × floor | × kubectl -o json | CPU user+sys | peak RSS median (largest) | API requests |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	floor := median(results[0].walls)
	kubectl := floor
	for _, r := range results {
		if r.name == ref {
			kubectl = median(r.walls)
		}
	}
	for _, r := range results {
		med := median(r.walls)
		rss, cpu := "-", "-"
		if len(r.rssKiB) > 0 {
			sorted := slices.Sorted(slices.Values(r.rssKiB))
			rss = fmt.Sprintf("%.1f MiB (%.1f)", float64(sorted[len(sorted)/2])/1024, float64(sorted[len(sorted)-1])/1024)
		}
		if len(r.cpus) > 0 {
			cpu = ms(median(r.cpus))
		}
		fmt.Printf("| %s | %s | %s – %s | %.2f | %.2f | %s | %s | %s |\n", r.name, ms(med), ms(slices.Min(r.walls)),
			ms(slices.Max(r.walls)), float64(med)/float64(floor), float64(med)/float64(kubectl), cpu, rss, r.requests)
	}
	fmt.Println()
}

// loadAverage is /proc/loadavg's 1, 5 and 15 minute figures: the machine
// is shared, and a busy one stretches every wall time.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }

func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(line, ":", 2)[1])
				break
			}
		}
	}
	return fmt.Sprintf("Machine: %d cores (%s), %s/%s, %s. Each command runs as a subprocess, %s.",
		runtime.NumCPU(), cpu, runtime.GOOS, runtime.GOARCH, runtime.Version(), time.Now().UTC().Format("2006-01-02"))
}

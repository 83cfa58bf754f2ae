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
	rssKiB   int
	requests string
}

var (
	pluginRequests  = regexp.MustCompile(`API requests: (\d+) \(([^)]*)\)`)
	kubectlRequests = regexp.MustCompile(`(?m)"Response" verb="([A-Z]+)"`)
)

func (m measure) run(repeat int) (result, error) {
	r := result{name: m.name}
	for i := 0; i < repeat; i++ {
		argv := m.argv
		timed := false
		if _, err := os.Stat("/usr/bin/time"); err == nil {
			argv, timed = append([]string{"/usr/bin/time", "-f", "RSS %M"}, argv...), true
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = nil, &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return r, fmt.Errorf("%w\n%s", err, tail(stderr.String()))
		}
		r.walls = append(r.walls, time.Since(start))
		if timed {
			if i := strings.LastIndex(stderr.String(), "RSS "); i >= 0 {
				kib, _ := strconv.Atoi(strings.TrimSpace(stderr.String()[i+4:]))
				r.rssKiB = max(r.rssKiB, kib)
			}
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

// printTable prints median, spread (min-max), ratio to the floor, RSS and requests.
func printTable(results []result) {
	fmt.Println("| command | median | min – max | × floor | peak RSS | API requests |")
	fmt.Println("|---|---|---|---|---|---|")
	floor := median(results[0].walls)
	for _, r := range results {
		med := median(r.walls)
		rss := "-"
		if r.rssKiB > 0 {
			rss = fmt.Sprintf("%.1f MiB", float64(r.rssKiB)/1024)
		}
		fmt.Printf("| %s | %s | %s – %s | %.2f | %s | %s |\n", r.name, ms(med), ms(slices.Min(r.walls)),
			ms(slices.Max(r.walls)), float64(med)/float64(floor), rss, r.requests)
	}
	fmt.Println()
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

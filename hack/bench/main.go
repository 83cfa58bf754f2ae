// Command bench measures kubectl hrretry at fleet scale against the real
// control plane: it seeds N HelmReleases with realistic status across 50
// namespaces, then times, side by side and repeatedly, the raw paged LIST
// (the floor), `kubectl get hr -A -o json`, `kubectl get hr -A` (the API
// server prints the table), `flux get hr -A` when a flux binary is there,
// `kubectl hrretry status -A` (table and -o json) and
// `force --all -A --wait=false`, with CPU, peak RSS and API request counts.
// It prints Markdown tables; BENCHMARKS.md holds a run.
//
//	go run ./hack/bench -n 1000,5000,20000 -repeat 5
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
)

type config struct {
	sizes   []int
	repeat  int
	plugin  string
	before  string // -before: another build of the plugin, its status -A measured beside
	binDir  string
	workDir string
	real    bool   // -clusters: the figure against the real servers
	replay  bool   // -clusters: the figure against their recorded responses
	flux    string // the flux CLI, measured when it exists

	liveSizes []int        // -live: the sizes whose live view is measured (live.go)
	liveOnly  bool         // -live-only: nothing else
	live      liveSettings // -live-rate, -live-span, -live-idle
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "floor" {
		// Subprocess mode: the raw paged LIST, timed like the others.
		if err := floor(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "replay-serve" {
		// Subprocess mode: the replay servers (replay.go), apart from the plugin's CPU.
		if err := replayServe(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "replay-serve:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg := config{binDir: controlplane.DefaultBinDir()}
	sizes := flag.String("n", "1000,5000,20000", "fleet sizes")
	home, _ := os.UserHomeDir()
	flag.StringVar(&cfg.flux, "flux", filepath.Join(home, ".cache/kubectl-hrretry/tools/flux-v2.9.5/flux"),
		"the flux CLI (go install github.com/fluxcd/flux2/v2/cmd/flux@v2.9.5 with GOBIN there), measured when it exists")
	flag.IntVar(&cfg.repeat, "repeat", 5, "runs of each command")
	flag.StringVar(&cfg.plugin, "plugin", "bin/kubectl-hrretry", "the plugin binary")
	flag.StringVar(&cfg.before, "before", "", "another build of the plugin (say, main's) whose status -A is measured in the same run, for before/after figures")
	clusters := flag.Int("clusters", 0, "instead: the multi-cluster figure, this many clusters of the first -n each (multi.go)")
	flag.BoolVar(&cfg.real, "real", true, "with -clusters: time the plugin against the real servers, here and 50 ms away")
	flag.BoolVar(&cfg.replay, "replay", false, "with -clusters: then against the real servers' recorded responses, replayed from another CPU 50 ms away (replay.go)")
	keep := flag.Bool("keep", false, "keep the work folder (with -replay: the recordings, to replay again with `bench replay-serve`)")
	liveSizes := flag.String("live", "", "also measure `status -A --watch` piped at these of the -n sizes, while statuses change (live.go)")
	flag.BoolVar(&cfg.liveOnly, "live-only", false, "with -live: only the live view")
	flag.IntVar(&cfg.live.rate, "live-rate", 20, "with -live: status changes a second")
	flag.DurationVar(&cfg.live.span, "live-span", time.Minute, "with -live: how long the changes go on")
	flag.DurationVar(&cfg.live.idle, "live-idle", 10*time.Second, "with -live: how long the idle CPU is measured, before the changes")
	flag.Parse()
	var err error
	if cfg.sizes, err = parseSizes(*sizes); err != nil {
		return err
	}
	if *liveSizes != "" {
		if cfg.liveSizes, err = parseSizes(*liveSizes); err != nil {
			return err
		}
	}
	if cfg.plugin, err = filepath.Abs(cfg.plugin); err != nil {
		return err
	}
	if cfg.workDir, err = os.MkdirTemp("", "hrretry-bench-"); err != nil {
		return err
	}
	if *keep {
		fmt.Fprintf(os.Stderr, "bench: keeping %s (the replay's recordings and kubeconfigs)\n", cfg.workDir)
	} else {
		defer func() { _ = os.RemoveAll(cfg.workDir) }() // best effort: it is in the temporary folder
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("# kubectl hrretry benchmarks\n\n%s\n\n", machine())
	if *clusters > 0 {
		return benchClusters(cfg, *clusters, cfg.sizes[0])
	}
	for _, n := range cfg.sizes {
		if err := benchSize(cfg, self, n); err != nil {
			return err
		}
	}
	return nil
}

// parseSizes reads a list of positive integers: "1000,5000".
func parseSizes(list string) ([]int, error) {
	var out []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q: want positive integers", list)
		}
		out = append(out, n)
	}
	return out, nil
}

// benchSize runs every measurement for a fleet of n on a fresh control plane.
func benchSize(cfg config, self string, n int) (err error) {
	cp, err := controlplane.Start(controlplane.Options{BinDir: cfg.binDir, CRDDir: "test/crd"})
	if err != nil {
		return err
	}
	defer func() { _ = cp.Stop() }()
	kubeconfig := filepath.Join(cfg.workDir, "admin.kubeconfig")
	if err := controlplane.WriteKubeconfig(kubeconfig, "admin", cp.Admin); err != nil {
		return err
	}
	start := time.Now()
	if err := seed(context.Background(), cp, n); err != nil {
		return err
	}
	fmt.Printf("## N = %d HelmReleases in 50 namespaces (seeded in %s)\n\n", n, time.Since(start).Round(time.Second))
	fmt.Printf("Load average before the runs: %s\n\n", loadAverage())
	if slices.Contains(cfg.liveSizes, n) {
		defer func() { err = errors.Join(err, benchLive(cfg, cp, kubeconfig, n)) }()
	}
	if cfg.liveOnly {
		return nil
	}
	kubectl := filepath.Join(cfg.binDir, "kubectl")
	kc := "--kubeconfig=" + kubeconfig
	cases := []measure{
		{name: "(a) raw paged LIST, limit 500 (floor)", argv: []string{self, "floor", kubeconfig}},
		{name: "(b) kubectl get hr -A -o json", argv: []string{kubectl, kc, "get", "helmreleases.helm.toolkit.fluxcd.io", "-A", "-o", "json", "-v=6"}, kubectlLog: true},
		{name: "(b) kubectl get hr -A (server-side table)", argv: []string{kubectl, kc, "get", "helmreleases.helm.toolkit.fluxcd.io", "-A", "-v=6"}, kubectlLog: true},
		{name: "(c) kubectl hrretry status -A", argv: []string{cfg.plugin, kc, "status", "-A", "--debug-requests"}},
		{name: "(c) kubectl hrretry status -A -o json", argv: []string{cfg.plugin, kc, "status", "-A", "-o", "json", "--debug-requests"}},
	}
	// One name: the detail view also lists every namespace for the
	// controller's load (issue 21); --no-load is the GET alone.
	cases = append(cases,
		measure{name: "(f) kubectl hrretry status NAME (the load listed)", argv: []string{cfg.plugin, kc, "status", "app-00003", "-n", "team-03", "--debug-requests"}},
		measure{name: "(f) kubectl hrretry status NAME --no-load", argv: []string{cfg.plugin, kc, "status", "app-00003", "-n", "team-03", "--no-load", "--debug-requests"}})
	if cfg.before != "" {
		cases = append(cases, measure{name: "(c) status -A, the -before build", argv: []string{cfg.before, kc, "status", "-A", "--debug-requests"}})
	}
	if fi, err := os.Stat(cfg.flux); err == nil && !fi.IsDir() {
		cases = append(cases, measure{name: "(e) flux get hr -A", argv: []string{cfg.flux, kc, "get", "helmreleases", "-A"}})
	} else {
		fmt.Printf("(flux get hr -A is not measured: no flux binary at %s; BENCHMARKS.md says why.)\n\n", cfg.flux)
	}
	if n == 1000 || n == cfg.sizes[0] {
		cases = append(cases, measure{name: fmt.Sprintf("(d) force --all -A --wait=false (%d objects)", n),
			argv: []string{cfg.plugin, kc, "force", "--all", "-A", "--yes", "--resume", "--wait=false",
				"--qps", "500", "--burst", "1000", "--debug-requests"}})
	}
	results := make([]result, 0, len(cases))
	for _, m := range cases {
		r, err := m.run(cfg.repeat)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		results = append(results, r)
	}
	printTable(results, cases[1].name)
	fmt.Printf("Load average after the runs: %s\n\n", loadAverage())
	return nil
}

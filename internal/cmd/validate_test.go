package cmd

import (
	"strings"
	"testing"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
)

// Every flag combination Complete or Validate rules on, through the runF
// hook: rejected ones exit 2 with the sentence and the --help hint, accepted
// ones reach runF with the options set.
func TestStatusFlags(t *testing.T) {
	rejected := []struct {
		args []string
		want string
	}{
		{[]string{"-w", "web"}, "--watch works on a selection"},
		{[]string{"--timeout", "1m"}, "--timeout ends a watch: give it with --watch"},
		{[]string{"-w", "--timeout", "-1s"}, "--timeout must not be negative"},
		{[]string{"-w", "-o", "custom-columns=N:.name"}, "not -o custom-columns"},
		{[]string{"--output-watch-events", "-o", "json"}, "--output-watch-events needs --watch"},
		{[]string{"-w", "--output-watch-events"}, "--output-watch-events needs --watch and -o json"},
		{[]string{"--chunk-size", "-1"}, "--chunk-size must not be negative"},
		{[]string{"--qps", "0"}, "--qps and --burst must be positive"},
		{[]string{"--burst", "0"}, "--qps and --burst must be positive"},
		{[]string{"-A", "web"}, "names cannot be combined with --all-namespaces"},
		{[]string{"deploy/web"}, "only HelmReleases are supported"},
		{[]string{"hr/"}, "empty name"},
		{[]string{"--phase", "sleepy"}, "sleepy"},
		{[]string{"-o", "xml"}, "xml"},
		{[]string{"--color", "purple"}, "--color must be auto, always or never"},
		{[]string{"--no-such-flag"}, "unknown flag"},
	}
	for _, tc := range rejected {
		o, code, stderr := parseStatus(t, tc.args...)
		if o != nil || code != ExitUsage || !strings.Contains(stderr, tc.want) ||
			!strings.Contains(stderr, "See 'kubectl hrretry status --help' for usage.") {
			t.Errorf("status %v: exit %d, stderr %q; want exit 2, %q and the --help hint", tc.args, code, stderr, tc.want)
		}
	}

	o, code, stderr := parseStatus(t, "-w", "-o", "wide", "--failing", "--chunk-size", "0", "--timeout", "1m")
	if o == nil || code != ExitOK {
		t.Fatalf("status -w -o wide: exit %d, %s", code, stderr)
	}
	if !o.watch || o.sortBy != "next" || o.sel.chunkSize != 0 || o.target.namespace != "apps" || o.g.rate != cluster.DefaultRate {
		t.Errorf("options: watch %v, sort %q (--failing sorts by next), chunk %d, namespace %q (from the kubeconfig), rate %+v",
			o.watch, o.sortBy, o.sel.chunkSize, o.target.namespace, o.g.rate)
	}
	o, _, _ = parseStatus(t, "hr/web", "helmrelease/api", "-n", "prod", "--qps", "50", "--burst", "100")
	if o == nil || strings.Join(o.target.names, ",") != "web,api" || o.target.namespace != "prod" ||
		o.g.rate != (cluster.Rate{QPS: 50, Burst: 100}) {
		t.Errorf("status hr/web helmrelease/api -n prod --qps 50 --burst 100: %+v", o)
	}
	if o, _, _ = parseStatus(t, "-A", "--sort-by", "name"); o == nil || !o.target.allNamespaces || o.target.namespace != "" || o.sortBy != "name" {
		t.Errorf("status -A: %+v", o)
	}
}

func TestForceFlags(t *testing.T) {
	rejected := []struct {
		args []string
		want string
	}{
		{nil, "name the HelmReleases to force"},
		{[]string{"-A"}, "name the HelmReleases to force"},
		{[]string{"web", "--all"}, "--all cannot be combined with names"},
		{[]string{"web", "--dry-run=maybe"}, `--dry-run must be "none", "client" or "server"`},
		{[]string{"web", "--concurrency", "0"}, "--concurrency and --timeout must be positive"},
		{[]string{"web", "--timeout", "0s"}, "--concurrency and --timeout must be positive"},
		{[]string{"web", "--chunk-size", "-5"}, "--chunk-size must not be negative"},
		{[]string{"web", "--qps", "-1"}, "--qps and --burst must be positive"},
		{[]string{"web", "-A"}, "names cannot be combined with --all-namespaces"},
		{[]string{"--phase", "sleepy"}, "sleepy"},
	}
	for _, tc := range rejected {
		o, code, stderr := parseForce(t, tc.args...)
		if o != nil || code != ExitUsage || !strings.Contains(stderr, tc.want) ||
			!strings.Contains(stderr, "See 'kubectl hrretry force --help' for usage.") {
			t.Errorf("force %v: exit %d, stderr %q; want exit 2, %q and the --help hint", tc.args, code, stderr, tc.want)
		}
	}

	// Each way to select is enough on its own.
	for _, args := range [][]string{{"web"}, {"--all"}, {"-l", "team=a"}, {"--field-selector", "metadata.name=web"},
		{"--phase", "stalled"}, {"--failing"}, {"-A", "--all"}} {
		if o, code, stderr := parseForce(t, args...); o == nil || code != ExitOK {
			t.Errorf("force %v: exit %d, %s", args, code, stderr)
		}
	}

	o, _, _ := parseForce(t, "web", "--reset", "--no-force", "--resume", "--dry-run", "--chunk-size", "50",
		"--qps", "500", "--burst", "1000")
	if o == nil {
		t.Fatal("force web --reset --no-force --resume --dry-run: rejected")
	}
	if o.req.Token != testToken || o.req.Force || !o.req.Reset || !o.req.Resume {
		t.Errorf("request %+v: the token is the clock's reading; --no-force and --reset, --resume", o.req)
	}
	if o.dryRun != "client" || o.sel.chunkSize != 50 || o.g.rate != (cluster.Rate{QPS: 500, Burst: 1000}) {
		t.Errorf("--dry-run alone means client (%q); chunk %d; rate %+v", o.dryRun, o.sel.chunkSize, o.g.rate)
	}
	if o, _, _ = parseForce(t, "--all"); o == nil || o.g.rate != cluster.DefaultRate || o.sel.chunkSize != 500 || !o.wait {
		t.Errorf("defaults: %+v", o)
	}
	if !o.req.Force || o.req.Reset || o.req.Resume {
		t.Errorf("default request: %+v; want a force only", o.req)
	}
}

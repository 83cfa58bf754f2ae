package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
)

// resultDoc is what these tests read of a ForceResult or WaitResult.
type resultDoc struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Outcome string `json:"outcome"`
	Verdict string `json:"verdict"`
	Goal    string `json:"goal"`
	Token   string `json:"token"`
	State   *struct {
		Phase string `json:"phase"`
	} `json:"state"`
	Items []resultDoc `json:"items"`
}

func decodeResult(t *testing.T, out string) resultDoc {
	t.Helper()
	var d resultDoc
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("-o json: %v\n%s", err, out)
	}
	return d
}

// force -o json: stdout is one document, the per-release lines go to
// stderr with the plan and the summary; the exit code is unchanged.
func TestForceOutput(t *testing.T) {
	fake := clustertest.New(handledState(t, "ready", testToken), handledState(t, "waiting-dependency", "earlier"))
	r := execute(t, fake, "force", "ready", "-o", "json")
	d := decodeResult(t, r.stdout)
	if r.code != ExitOK || d.Kind != "ForceResult" || d.Metadata.Name != "ready" || d.Outcome != "ready" ||
		d.Token != testToken || d.State == nil || d.State.Phase != "ready" {
		t.Errorf("one NAME: exit %d, %+v", r.code, d)
	}
	if !strings.Contains(r.stderr, "apps/ready  ready") {
		t.Errorf("the result line goes to stderr with -o: %q", r.stderr)
	}

	r = execute(t, fake, "force", "waiting-dependency", "ready", "-o", "json")
	d = decodeResult(t, r.stdout)
	if r.code != ExitNotHonoured || d.Kind != "ForceResultList" || len(d.Items) != 2 ||
		d.Items[0].Metadata.Name != "ready" || d.Items[1].Outcome != "not-honoured" {
		t.Errorf("two NAMEs: exit %d, %+v", r.code, d)
	}
	for args, want := range map[string]string{
		"-o name":                         "helmrelease.helm.toolkit.fluxcd.io/ready\nhelmrelease.helm.toolkit.fluxcd.io/waiting-dependency\n",
		"-o jsonpath={.items[*].outcome}": "ready not-honoured",
		"-o yaml":                         "apiVersion: hrretry.kubectl.io/v1alpha1\nitems:\n- apiVersion",
		"-o go-template={{range.items}}{{.outcome}},{{end}}": "ready,not-honoured,",
		"--wait=false -o jsonpath={.items[*].outcome}":       "patched patched",
	} {
		r := execute(t, fake, append([]string{"force", "waiting-dependency", "ready"}, strings.Fields(args)...)...)
		if !strings.HasPrefix(r.stdout, want) {
			t.Errorf("force %s:\n%s\nwant it to start with:\n%s", args, r.stdout, want)
		}
	}
	for _, args := range [][]string{{"-o", "wide"}, {"-o", "custom-columns=N:.name"}, {"-o", "json", "--dry-run"}} {
		if r := execute(t, fake, append([]string{"force", "ready"}, args...)...); r.code != ExitUsage {
			t.Errorf("force %v: exit %d, want %d", args, r.code, ExitUsage)
		}
	}
}

// wait -o json: stdout gets, once the wait is over, every release's
// verdict, and not the "reached" lines; -o name lists what reached the goal.
func TestWaitOutput(t *testing.T) {
	fake := clustertest.New(states(t, "ready", "retrying-upgrade")...)
	r := waitWith(t, fake, nil, "ready", "-o", "json", "--for", "condition=Ready")
	d := decodeResult(t, r.stdout)
	if r.code != ExitOK || d.Kind != "WaitResult" || d.Verdict != "reached" || d.Goal != "ready" || d.State == nil {
		t.Errorf("reached: exit %d, %+v", r.code, d)
	}
	if !strings.Contains(r.stderr, "All 1 HelmRelease(s) reached ready.") {
		t.Errorf("the progress stays on stderr: %q", r.stderr)
	}

	r = waitWith(t, clustertest.New(states(t, "ready", "retrying-upgrade")...), nil, "--all", "--timeout", "50ms", "-o", "json")
	d = decodeResult(t, r.stdout)
	if r.code != ExitFailed || d.Kind != "WaitResultList" || len(d.Items) != 2 {
		t.Fatalf("timed out: exit %d, %+v", r.code, d)
	}
	verdicts := map[string]string{}
	for _, it := range d.Items {
		verdicts[it.Metadata.Name] = it.Verdict
	}
	if verdicts["ready"] != "reached" || verdicts["retrying-upgrade"] != "waiting" {
		t.Errorf("verdicts at --timeout: %v", verdicts)
	}
	r = waitWith(t, clustertest.New(states(t, "ready", "retrying-upgrade")...), nil, "--all", "--timeout", "50ms", "-o", "name")
	if r.stdout != "helmrelease.helm.toolkit.fluxcd.io/ready\n" {
		t.Errorf("-o name lists what reached the goal: %q", r.stdout)
	}
}

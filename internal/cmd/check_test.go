package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
)

func TestStatusCheckValidate(t *testing.T) {
	bad := map[string][]string{
		"limits of --check":               {"--max-failures", "2"},
		"limits of --check ":              {"--stuck-after", "1h"},
		"must not be negative":            {"--check", "--stuck-after", "-1m"},
		"cannot be combined with --watch": {"--check", "-w"},
	}
	for want, args := range bad {
		if o, code, stderr := parseStatus(t, args...); o != nil || code != ExitUsage || !strings.Contains(stderr, strings.TrimSpace(want)) {
			t.Errorf("status %v: exit %d, %q", args, code, stderr)
		}
	}
	if o, code, _ := parseStatus(t, "--check", "-A", "-l", "a=b", "--phase", "retrying", "--max-failures", "3", "--stuck-after", "1h"); code != ExitOK || !o.check || o.maxFailures != 3 {
		t.Errorf("status --check: exit %d", code)
	}
}

// --check over a fleet: 5 when one selected is stuck, 0 when none is; the
// table marks the row, JSON carries stuck and stuckReason.
func TestStatusCheck(t *testing.T) {
	fleet := func() *clustertest.Fake {
		return clustertest.New(states(t, "ready", "retrying-upgrade", "stalled-retries-exceeded", "suspended")...)
	}
	r := execute(t, fleet(), "status", "-A", "--check")
	if r.code != ExitStuck || !strings.Contains(r.stderr, "1 of 4 HelmRelease(s) stuck") {
		t.Errorf("a stall is stuck: exit %d", r.code)
	}
	_, rows := tableRowsOf(t, r.stdout)
	if rows["apps/stalled-retries-exceeded"] != "STUCK" || rows["apps/retrying-upgrade"] != "-" {
		t.Errorf("STUCK column: %v", rows)
	}
	if r := execute(t, fleet(), "status", "-A", "--check", "--phase", "ready,retrying"); r.code != ExitOK {
		t.Errorf("--phase leaves the stall out: exit %d", r.code)
	}
	r = execute(t, fleet(), "status", "--check", "--phase", "retrying", "--max-failures", "1", "-o", "json")
	if r.code != ExitStuck {
		t.Errorf("--max-failures 1: exit %d", r.code)
	}
	var doc struct {
		Items []struct {
			Name        string `json:"name"`
			Stuck       bool   `json:"stuck"`
			StuckReason string `json:"stuckReason"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Items) != 1 || !doc.Items[0].Stuck ||
		doc.Items[0].StuckReason != "2 failed attempts, more than --max-failures 1" {
		t.Errorf("JSON: %v %+v", err, doc)
	}
	if r := execute(t, fleet(), "status", "--check", "--phase", "retrying", "--stuck-after", "9m"); r.code != ExitOK {
		t.Errorf("failing for 8m is not past --stuck-after 9m: exit %d", r.code)
	}
	if r := execute(t, fleet(), "status", "-A"); strings.Contains(r.stdout, "STUCK") || r.code != ExitOK {
		t.Errorf("without --check: no column, exit 0 (%d)", r.code)
	}
}

// tableRowsOf maps namespace/name to the STUCK cell of a plain -A table.
func tableRowsOf(t *testing.T, out string) ([]string, map[string]string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	header := strings.Fields(lines[0])
	col := -1
	for i, h := range header {
		if h == "STUCK" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("no STUCK column:\n%s", out)
	}
	rows := map[string]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		rows[f[0]+"/"+f[1]] = f[col]
	}
	return header, rows
}

package render

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestGoldenPrinters(t *testing.T) {
	all := states(t, fleet...)
	readFile := func(name string) ([]byte, error) {
		files := map[string]string{
			"cols.txt": "NAME PHASE NEXT\n.metadata.name .phase .next.action\n",
			"tmpl.txt": `{{range .items}}{{.metadata.name}}={{.phase}}{{"\n"}}{{end}}`,
		}
		if f, ok := files[name]; ok {
			return []byte(f), nil
		}
		return nil, errors.New("no such file")
	}
	for _, tc := range []struct{ golden, output string }{
		{"jsonpath-list.golden", `jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\t"}{.phase}{"\t"}{.next.latest}{"\n"}{end}`},
		{"jsonpath-names.golden", "jsonpath={.items[*].name}"},
		{"go-template.golden", `go-template={{range .items}}{{.name}} {{.strategy.name}} {{.failures.count}}{{"\n"}}{{end}}`},
		{"go-template-file.golden", "go-template-file=tmpl.txt"},
		{"custom-columns.golden", "custom-columns=NAME:.metadata.name,PHASE:.phase,STRATEGY:.strategy.name,WARNINGS:.warnings[*].code"},
		{"custom-columns-file.golden", "custom-columns-file=cols.txt"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			out, err := ParseOutput(tc.output, readFile)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := Print(&b, all, false, out); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.golden, b.Bytes())
		})
	}
	// One named object prints as itself, as kubectl get NAME -o jsonpath does.
	out, _ := ParseOutput("jsonpath={.phase} {.next.action}", readFile)
	var b bytes.Buffer
	if err := Print(&b, all[1:2], true, out); err != nil || b.String() != "retrying upgrade" {
		t.Errorf("single object jsonpath = %q, %v", b.String(), err)
	}
}

func TestParseOutputErrors(t *testing.T) {
	for _, o := range []string{"table", "jsonpath=", "json=x", "custom-columns=NAME", "go-template-file=missing"} {
		out, err := ParseOutput(o, func(string) ([]byte, error) { return nil, errors.New("no such file") })
		if err == nil {
			if err = Print(&bytes.Buffer{}, states(t, "ready"), false, out); err == nil {
				t.Errorf("-o %s: want an error", o)
			}
		}
	}
}

func TestSort(t *testing.T) {
	all := states(t, fleet...)
	order := func() string {
		var n []string
		for _, s := range all {
			n = append(n, s.Name)
		}
		return strings.Join(n, " ")
	}
	cases := map[string]string{
		"next":             "retrying-overdue progressing waiting-dependency failed-values remediating-rollback stall-trap retrying-install-template-error retrying-upgrade ready stalled-retries-exceeded suspended pending",
		"phase":            "stalled-retries-exceeded retrying-upgrade retrying-install-template-error stall-trap retrying-overdue remediating-rollback failed-values waiting-dependency progressing pending suspended ready",
		".failures.total":  "ready suspended waiting-dependency progressing pending remediating-rollback stall-trap retrying-overdue retrying-upgrade retrying-install-template-error stalled-retries-exceeded failed-values",
		"{.metadata.name}": "failed-values pending progressing ready remediating-rollback retrying-install-template-error retrying-overdue retrying-upgrade stall-trap stalled-retries-exceeded suspended waiting-dependency",
	}
	for by, want := range cases {
		all = states(t, fleet...)
		if err := Sort(all, by); err != nil {
			t.Fatal(err)
		}
		if got := order(); got != want {
			t.Errorf("--sort-by %s:\n got %s\nwant %s", by, got, want)
		}
	}
	if err := Sort(all, "{.broken"); err == nil {
		t.Errorf("a malformed JSONPath must be an error")
	}
}

package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/history"
	"github.com/hrretry/kubectl-hrretry/pkg/history/historytest"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// historyNow is four minutes after the story's rollback.
var historyNow = historytest.T0.Add(20 * time.Minute)

// storyReport is the story of pkg/history/historytest: install, a failed
// upgrade with a migration hook, a rollback; with storage or without.
func storyReport(storage bool) history.Report {
	hr := historytest.Object()
	evs, core := historytest.Events()
	in := history.Input{Object: hr, State: inspect.Analyze(hr, historyNow, inspect.DefaultSettings()), Events: evs, CoreEvents: core}
	if storage {
		secrets := append(historytest.Secrets(historytest.Releases()...),
			historytest.Secret("shop", 4, []byte("H4sIAAAA"), historytest.T0.Add(18*time.Minute)))
		in.Storage, in.StorageNamespace = history.DecodeSecrets(secrets), "apps"
	} else {
		in.Notes = []string{"forbidden: you may not list secrets in namespace apps"}
	}
	return history.Build(in)
}

func TestGoldenHistory(t *testing.T) {
	ttyH := Options{Now: historyNow, Color: true, Relative: true}
	pipedH := Options{Now: historyNow}
	views := []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"history-storage-piped.golden", func(b *bytes.Buffer) error { return History(b, storyReport(true), pipedH) }},
		{"history-storage-tty.golden", func(b *bytes.Buffer) error { return History(b, storyReport(true), ttyH) }},
		{"history-no-storage-piped.golden", func(b *bytes.Buffer) error { return History(b, storyReport(false), pipedH) }},
		{"history-storage.json", func(b *bytes.Buffer) error { return HistoryData(b, storyReport(true), "json", "") }},
		{"history-no-storage.yaml", func(b *bytes.Buffer) error { return HistoryData(b, storyReport(false), "yaml", "") }},
		{"detail-rollback-risks-piped.golden", func(b *bytes.Buffer) error { return Detail(b, storyReport(true).State, pipedH) }},
	}
	for _, v := range views {
		t.Run(v.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := v.render(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, v.name, b.Bytes())
		})
	}
}

// The story's Events and releases carry an ESC sequence (the install
// Event, the changed ConfigMap's data does not reach the risks); neither
// the timeline nor the risks may print one raw.
func TestHistoryEscapes(t *testing.T) {
	r := storyReport(true)
	hostile := "\x1b]52;c;Y3VybA==\x07\r\u202e"
	r.Timeline[1].Message, r.Timeline[1].Reason, r.Timeline[1].Token = hostile, hostile, hostile
	r.State.RollbackRisks[0].Object, r.State.RollbackRisks[0].Reason = hostile, hostile
	r.Name = hostile
	var b bytes.Buffer
	if err := History(&b, r, Options{Now: historyNow}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"\x1b", "\r", "\x07", "\u202e"} {
		if strings.Contains(b.String(), bad) {
			t.Errorf("raw %q reached the output:\n%q", bad, b.String())
		}
	}
}

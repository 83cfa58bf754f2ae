package render

import (
	"bytes"
	"testing"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// A failure before Helm listed inside its next attempt's window has a
// second window (inspect.Next.Or: the attempt may have run, its Event not
// recorded yet). The table's NEXT cell and the detail view print both, on
// a terminal and piped; the detail view says when the second holds.
func TestGoldenTwoWindows(t *testing.T) {
	at := func(s string) time.Time { x, _ := time.Parse(time.RFC3339, "2026-11-23T"+s+"Z"); return x }
	msg := "could not resolve Secret chart values reference 'apps/values'"
	st := inspect.Read(fixtureJSON(t, "failed-values")).AnalyzeWith(testNow, inspect.DefaultSettings(), inspect.Evidence{EventsRead: true, Events: []inspect.Event{
		{Type: "Normal", Reason: "UpgradeSucceeded", Message: "Helm upgrade succeeded", Count: 1, First: at("11:00:00"), Last: at("11:00:00")},
		{Type: "Warning", Reason: "ValuesError", Message: msg, Count: 3, First: at("11:59:53"), Last: at("11:59:55")}}})
	if st.Next.Or == nil {
		t.Fatalf("no second window: %+v", st.Next)
	}
	for _, mode := range []struct {
		suffix string
		o      Options
	}{{"tty", tty}, {"piped", piped}} {
		var b bytes.Buffer
		if err := Table(&b, []inspect.RetryState{st}, mode.o); err != nil {
			t.Fatal(err)
		}
		b.WriteString("\n")
		if err := Detail(&b, st, mode.o); err != nil {
			t.Fatal(err)
		}
		golden(t, "two-windows-"+mode.suffix+".golden", b.Bytes())
	}
}

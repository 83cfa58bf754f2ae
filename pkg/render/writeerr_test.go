package render

import (
	"errors"
	"testing"
)

var errWrite = errors.New("write failed")

// failingWriter fails every write, as stdout does when its pipe is closed.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

// A write error on stdout must reach the caller (and the exit code), not be
// dropped on the way, in the formats this package writes itself (jsonpath
// and go-template are cli-runtime's printers).
func TestPrintReportsWriteErrors(t *testing.T) {
	all := states(t, "ready", "stall-trap")
	for _, out := range []Output{
		{Format: "json"},
		{Format: "yaml"},
		{Format: "name"},
		{Format: "custom-columns", Template: "NAME:.metadata.name"},
	} {
		for _, single := range []bool{false, true} {
			states := all
			if single {
				states = all[:1]
			}
			if err := Print(failingWriter{}, states, single, out); !errors.Is(err, errWrite) {
				t.Errorf("-o %s (single %v): got error %v, want the write error", out.Format, single, err)
			}
		}
	}
}

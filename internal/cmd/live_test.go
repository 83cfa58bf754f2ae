package cmd

import (
	"strings"
	"testing"

	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// `status --help` names the columns a narrow live table drops in the
// order render drops them.
func TestStatusHelpDropOrder(t *testing.T) {
	long := NewCmdStatus(&globalOptions{}, Deps{}, nil).Long
	at, named := -1, 0
	for _, col := range render.DropOrder() {
		i := strings.Index(long, col+",")
		if i < 0 {
			i = strings.Index(long, col+";")
		}
		if i < 0 {
			continue // -o wide's, STUCK, CONTEXT: not named one by one
		}
		if i < at {
			t.Errorf("--help names %s out of render's drop order", col)
		}
		at, named = i, named+1
	}
	if named < 6 {
		t.Errorf("--help names %d of the columns that go", named)
	}
}

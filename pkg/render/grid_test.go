package render

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestWidthOfOwnSymbols: width's shortcut counts as the grapheme walk
// does, for the symbols it knows and for what it must leave to the walk.
func TestWidthOfOwnSymbols(t *testing.T) {
	for _, s := range []string{"", "2/∞", "in 4m45s–5m16s", "Helm upgrade failed…", "∞–…", "a\u0301", "∞\u0301",
		"漢字", "\x1b[1mbold\x1b[m", "tab\there", "e\u0301–", "👍🏽", "x\u200dy"} {
		if got, want := width(s), ansi.StringWidth(s); got != want {
			t.Errorf("width(%q) = %d, the walk says %d", s, got, want)
		}
	}
}

package render

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Escape makes a string from the cluster safe to print on a terminal.
//
// Condition messages carry raw Helm and API errors, which can hold escape
// sequences (colour, cursor moves, OSC 8 links, OSC 52 clipboard writes).
// kubectl's printers.EscapeTerminal only rewrites ESC and CR; this also
// covers the other C0 controls, DEL, the C1 controls (U+0080-U+009F, where
// U+009B is a one-byte CSI and U+009D an OSC), bidirectional overrides that
// can reorder what is shown, and invalid UTF-8. Newlines and tabs are kept
// only when keepNewlines is set (the detail view); a table cell gets "↵".
func Escape(s string, keepNewlines bool) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t':
			if keepNewlines {
				b.WriteRune(r)
			} else if r == '\n' {
				b.WriteString("↵")
			} else {
				b.WriteByte(' ')
			}
		case r == 0x1b:
			b.WriteString("^[")
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "^%c", rune(r^0x40))
		case r >= 0x80 && r <= 0x9f, isBidiControl(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isPlain is the fast path: printable ASCII only.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

package inspect

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"strings"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The quick decoder is DecodeJSON's first path: a HelmRelease read byte by
// byte, by hand. Written here rather than taken from a library because the
// libraries' cost is per token, not per byte: a LIST item is some sixty
// short members, and the JSON v2 module spends ~0.5 µs on each (reflection,
// its token state machine), a third of a fleet's CPU (10 × 1,000 releases;
// BENCHMARKS.md), where a switch on the member's name and a scan to its end
// take a tenth of that. It takes only the common case and says errQuick for
// anything else (an escaped or differently-cased name, a duplicate, a null, a
// number with a fraction, a time that does not parse, JSON that is not
// valid): the object then takes decodeLean, then the slow path, exactly as
// before. What it accepts it decodes as encoding/json does (FuzzQuickDecode).
// Members it has no case for are decoded by the JSON v2 module on their own
// bytes (quickNames.cold).

// errQuick: the object is not one the quick decoder takes.
var errQuick = errors.New("not for the quick decoder")

// maxQuickDepth bounds the nesting of a skipped value: deeper objects take
// the other paths (encoding/json itself stops at 10,000).
const maxQuickDepth = 200

// quick reads one JSON value out of b from i.
type quick struct {
	b []byte
	i int
}

// peek is the next byte after whitespace, or 0 at the end. The API server
// writes no whitespace between tokens: that case is the one test first.
func (q *quick) peek() byte {
	if q.i < len(q.b) && q.b[q.i] > ' ' {
		return q.b[q.i]
	}
	for q.i < len(q.b) {
		switch c := q.b[q.i]; c {
		case ' ', '\t', '\n', '\r':
			q.i++
		default:
			return c
		}
	}
	return 0
}

// consume reads c if it is next.
func (q *quick) consume(c byte) bool {
	if q.peek() == c {
		q.i++
		return true
	}
	return false
}

// str reads a string. Without escapes or bytes above ASCII it is the bytes
// between the quotes; otherwise str takes the long way.
func (q *quick) str() (string, error) {
	raw, simple, err := q.rawString()
	if err != nil || simple {
		return string(raw), err
	}
	return unquoteLong(raw)
}

// word is str for the members whose values repeat across a fleet (types,
// statuses, reasons, kinds): those are not copied (intern).
func (q *quick) word() (string, error) {
	raw, simple, err := q.rawString()
	if err != nil || simple {
		return intern(raw), err
	}
	return unquoteLong(raw)
}

// rawString reads a string and returns what is within its quotes, and
// whether that is the string itself (nothing escaped, all ASCII).
func (q *quick) rawString() (raw []byte, simple bool, err error) {
	if q.peek() != '"' {
		return nil, false, errQuick
	}
	start := q.i + 1
	simple = true
	for j := start; j < len(q.b); {
		if j+8 <= len(q.b) {
			// Straight to the first byte the scan stops at: most strings
			// end within a word or two.
			m := special8(binary.LittleEndian.Uint64(q.b[j:]))
			if m == 0 {
				j += 8
				continue
			}
			j += bits.TrailingZeros64(m) / 8
		}
		switch c := q.b[j]; {
		case c == '"':
			q.i = j + 1
			return q.b[start:j], simple, nil
		case c == '\\':
			if !validEscape(q.b, j) {
				return nil, false, errQuick
			}
			simple = false
			j++ // the escaped byte; \u's hex digits are plain bytes
		case c < 0x20:
			return nil, false, errQuick // a control character must be escaped
		case c >= utf8.RuneSelf:
			simple = false
		}
		j++
	}
	return nil, false, errQuick
}

// special8 marks (the high bit of each byte) the bytes of x, a little-endian
// word, that a string's scan stops at (a quote, a backslash, a control
// character, a byte above ASCII): the classic has-zero-byte and
// has-less-than tricks, so a string is scanned a word at a time (most of a
// HelmRelease's bytes are digests, messages and names). The mask is exact
// for the word as a whole and for its lowest mark (a borrow only marks
// bytes above a marked one), which is all the scan reads.
func special8(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	zero := func(v uint64) uint64 { return (v - ones) & ^v & highs }
	return ((x - ones*0x20) & ^x & highs) | zero(x^(ones*'"')) | zero(x^(ones*'\\')) | (x & highs)
}

// validEscape: the backslash at b[j] starts one of JSON's escapes.
func validEscape(b []byte, j int) bool {
	if j+1 >= len(b) {
		return false
	}
	switch b[j+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return true
	case 'u':
		if j+5 >= len(b) {
			return false
		}
		for _, h := range b[j+2 : j+6] {
			if !isHex(h) {
				return false
			}
		}
		return true
	}
	return false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// unquoteLong is a string with escapes or bytes above ASCII: valid UTF-8
// without escapes as it is; anything else through the JSON v2 module, with
// invalid UTF-8 as U+FFFD as encoding/json has it (FuzzLeanDecode holds the
// module to that).
func unquoteLong(inner []byte) (string, error) {
	if !hasBackslash(inner) {
		if utf8.Valid(inner) {
			return string(inner), nil
		}
	} else if s, ok := unescapeShort(inner); ok {
		return s, nil
	}
	var s string
	quoted := make([]byte, 0, len(inner)+2)
	quoted = append(append(append(quoted, '"'), inner...), '"')
	if err := jsonv2.Unmarshal(quoted, &s, jsontext.AllowInvalidUTF8(true)); err != nil {
		return "", errQuick
	}
	return s, nil
}

// unescapeShort decodes JSON's one-letter escapes (a failure's message
// quotes names: \"), as encoding/json does; a \u escape or invalid UTF-8
// is left to the module (ok false). Escapes decode to ASCII, which no
// UTF-8 sequence spans, so the result is valid exactly when the input's
// other bytes are.
func unescapeShort(inner []byte) (s string, ok bool) {
	var out strings.Builder
	out.Grow(len(inner))
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		if c == '\\' {
			if i++; i == len(inner) {
				return "", false
			}
			switch c = inner[i]; c {
			case '"', '\\', '/':
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			default:
				return "", false
			}
		}
		out.WriteByte(c)
	}
	if s = out.String(); !utf8.ValidString(s) {
		return "", false
	}
	return s, true
}

func hasBackslash(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return true
		}
	}
	return false
}

// name reads a member's name and its colon. Only plain ASCII names are
// taken: they are what the API server writes, and they compare by bytes.
func (q *quick) name() ([]byte, error) {
	raw, simple, err := q.rawString()
	if err != nil || !simple || !q.consume(':') {
		return nil, errQuick
	}
	return raw, nil
}

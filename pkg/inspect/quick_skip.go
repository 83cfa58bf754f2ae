package inspect

// skip reads past one value, checking it as encoding/json checks the whole
// input before it decodes: a value that is not valid JSON is errQuick.
func (q *quick) skip(depth int) error { return q.skipTo(depth, maxQuickDepth) }

// skipTo is skip with a nesting limit of its own. It walks the value with
// a stack of the containers it is in rather than a call per value: the
// members skipped are mostly managedFields, a third of a HelmRelease's bytes
// and most of its tokens ("f:name":{}), where a call or two per token was
// most of the cost.
func (q *quick) skipTo(depth, limit int) error {
	var buf [32]byte
	open := buf[:0] // the containers the value is in, innermost last: '{' or '['
	for {
		if depth+len(open) > limit {
			return errQuick
		}
		switch c := q.peek(); {
		case c == '"':
			if _, _, err := q.rawString(); err != nil {
				return err
			}
		case c == '{':
			q.i++
			if q.consume('}') {
				break // an empty object is a whole value
			}
			open = append(open, '{')
			if !q.memberName() {
				return errQuick
			}
			continue // to the member's value
		case c == '[':
			q.i++
			if q.consume(']') {
				break
			}
			open = append(open, '[')
			continue // to the first element
		case c == 't':
			if !q.literal("true") {
				return errQuick
			}
		case c == 'f':
			if !q.literal("false") {
				return errQuick
			}
		case c == 'n':
			if !q.literal("null") {
				return errQuick
			}
		case c == '-' || '0' <= c && c <= '9':
			if err := q.skipNumber(); err != nil {
				return err
			}
		default:
			return errQuick
		}
		// A whole value was read: close the containers it ends, up to the
		// one that goes on with a next member or element.
		for {
			if len(open) == 0 {
				return nil
			}
			top := open[len(open)-1]
			if q.consume(',') {
				if top == '{' && !q.memberName() {
					return errQuick
				}
				break
			}
			if top == '[' && !q.consume(']') || top == '{' && !q.consume('}') {
				return errQuick
			}
			open = open[:len(open)-1]
		}
	}
}

// memberName reads a member's name, any string, and its colon.
func (q *quick) memberName() bool {
	_, _, err := q.rawString()
	return err == nil && q.consume(':')
}

// skipNumber reads past a number of JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (q *quick) skipNumber() error {
	if q.at('-') {
		q.i++
	}
	switch {
	case q.at('0'):
		q.i++
	case q.digits() == 0:
		return errQuick
	}
	if q.at('.') {
		q.i++
		if q.digits() == 0 {
			return errQuick
		}
	}
	if q.at('e') || q.at('E') {
		q.i++
		if q.at('+') || q.at('-') {
			q.i++
		}
		if q.digits() == 0 {
			return errQuick
		}
	}
	return nil
}

// at: the byte at i is c (no whitespace skipped).
func (q *quick) at(c byte) bool { return q.i < len(q.b) && q.b[q.i] == c }

// digits reads past decimal digits and says how many.
func (q *quick) digits() int {
	start := q.i
	for q.i < len(q.b) && '0' <= q.b[q.i] && q.b[q.i] <= '9' {
		q.i++
	}
	return q.i - start
}

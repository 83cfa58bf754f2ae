package inspect

// skip reads past one value, checking it as encoding/json checks the whole
// input before it decodes: a value that is not valid JSON is errQuick.
func (q *quick) skip(depth int) error { return q.skipTo(depth, maxQuickDepth) }

// skipTo is skip with a nesting limit of its own.
func (q *quick) skipTo(depth, limit int) error {
	if depth > limit {
		return errQuick
	}
	switch c := q.peek(); {
	case c == '"':
		_, _, err := q.rawString()
		return err
	case c == '{':
		return q.skipObject(depth, limit)
	case c == '[':
		return q.skipArray(depth, limit)
	case c == 't':
		return q.expectLiteral("true")
	case c == 'f':
		return q.expectLiteral("false")
	case c == 'n':
		return q.expectLiteral("null")
	case c == '-' || '0' <= c && c <= '9':
		return q.skipNumber()
	}
	return errQuick
}

func (q *quick) skipObject(depth, limit int) error {
	q.i++ // '{'
	if q.consume('}') {
		return nil
	}
	for {
		if _, _, err := q.rawString(); err != nil || !q.consume(':') {
			return errQuick
		}
		if err := q.skipTo(depth+1, limit); err != nil {
			return err
		}
		if q.consume(',') {
			continue
		}
		if q.consume('}') {
			return nil
		}
		return errQuick
	}
}

func (q *quick) skipArray(depth, limit int) error {
	return q.array(func() error { return q.skipTo(depth+1, limit) })
}

func (q *quick) expectLiteral(lit string) error {
	if !q.literal(lit) {
		return errQuick
	}
	return nil
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

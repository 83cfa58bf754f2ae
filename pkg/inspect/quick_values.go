package inspect

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The quick decoder's readers of values that are not strings: integers,
// booleans, and the two types with UnmarshalJSON methods of their own.

// int64 reads an integer as encoding/json reads one into an int64: digits
// only (a fraction or an exponent is an error there), within range.
func (q *quick) int64() (int64, error) {
	q.peek()
	neg := q.i < len(q.b) && q.b[q.i] == '-'
	if neg {
		q.i++
	}
	start := q.i
	var n int64
	for q.i < len(q.b) && '0' <= q.b[q.i] && q.b[q.i] <= '9' {
		d := int64(q.b[q.i] - '0')
		if n > (1<<63-1-d)/10 {
			return 0, errQuick // out of range (and -2⁶³ with it)
		}
		n = n*10 + d
		q.i++
	}
	digits := q.i - start
	if digits == 0 || digits > 1 && q.b[start] == '0' {
		return 0, errQuick
	}
	if q.i < len(q.b) && (q.b[q.i] == '.' || q.b[q.i] == 'e' || q.b[q.i] == 'E') {
		return 0, errQuick
	}
	if neg {
		n = -n
	}
	return n, nil
}

// int reads an integer into an int.
func (q *quick) int() (int, error) {
	n, err := q.int64()
	if err != nil || int64(int(n)) != n {
		return 0, errQuick
	}
	return int(n), nil
}

// bool reads true or false (null leaves a field as it was in
// encoding/json: not worth following here).
func (q *quick) bool() (bool, error) {
	switch {
	case q.literal("true"):
		return true, nil
	case q.literal("false"):
		return false, nil
	}
	return false, errQuick
}

// literal reads lit if it is next.
func (q *quick) literal(lit string) bool {
	q.peek()
	if len(q.b)-q.i >= len(lit) && string(q.b[q.i:q.i+len(lit)]) == lit {
		q.i += len(lit)
		return true
	}
	return false
}

// time reads a metav1.Time as its UnmarshalJSON does: RFC 3339, in the
// local zone; null is the zero time (the controller writes a snapshot's
// unset "deleted" so).
func (q *quick) time() (metav1.Time, error) {
	if q.literal("null") {
		return metav1.Time{}, nil
	}
	start := q.i
	if raw, simple, err := q.rawString(); err == nil && simple {
		if t, ok := utcSeconds(raw); ok {
			return metav1.Time{Time: t.Local()}, nil
		}
	}
	q.i = start
	s, err := q.str()
	if err != nil {
		return metav1.Time{}, err
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return metav1.Time{}, errQuick
	}
	return metav1.Time{Time: t.Local()}, nil
}

// utcSeconds reads the one form of RFC 3339 the API server writes,
// 2006-01-02T15:04:05Z, when b is that form and a valid time: time.Parse
// then gives the same instant, at five times the cost and a string's
// allocation (a release has a dozen times). Anything else is ok false.
func utcSeconds(b []byte) (time.Time, bool) {
	if len(b) != 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[19] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d { // the 31st of a 30-day month, the 29th of February in a common year
		return time.Time{}, false
	}
	return t, true
}

// duration reads a metav1.Duration as its UnmarshalJSON does.
func (q *quick) duration() (metav1.Duration, error) {
	s, err := q.str()
	if err != nil {
		return metav1.Duration{}, err
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return metav1.Duration{}, errQuick
	}
	return metav1.Duration{Duration: d}, nil
}

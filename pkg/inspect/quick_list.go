package inspect

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"

	v2 "github.com/fluxcd/helm-controller/api/v2"
)

// ListMeta is what a LIST page says about the list itself.
type ListMeta struct {
	Continue        string `json:"continue"`
	ResourceVersion string `json:"resourceVersion"`
}

// ReadList reads one LIST page of HelmReleases from r and decodes its items
// as they arrive, handing them to fn in runs of up to batch; it returns the
// page's metadata (the API server writes it after the items).
//
// Each item is decoded where it lies in the page, by the quick decoder,
// which reads past the members no rule reads: the page's bytes are read
// once. (They were read twice: jsontext cut every item out of the stream,
// checking it, and the decoder read the cut again; the cut was a third of a
// fleet's CPU, BENCHMARKS.md, issue 26.) An item the quick decoder leaves
// is checked by the same reader and decoded by Read, as any object. Every
// "items" array is read, in order, as the JSON v2 module's stream had it; a
// page that is not valid JSON, or ends early, is an error. Invalid UTF-8 and
// duplicate names pass: they are each item's decoder's to judge.
//
// A panic is the caller's to recover (internal/cluster runs it under
// DecodeSafely).
func ReadList(r io.Reader, batch int, fn func([]Decoded) error) (ListMeta, error) {
	p := &pageReader{r: r}
	var meta ListMeta
	if err := p.step(func(q *quick) error { return expectByte(q, '{') }); err != nil {
		return meta, err
	}
	for first := true; ; first = false {
		end, name, err := p.member(first)
		if err != nil || end {
			return meta, err
		}
		switch name {
		case "items":
			err = p.items(batch, fn)
		case "metadata":
			err = p.step(func(q *quick) error { return unmarshalMeta(q, &meta) })
		default:
			err = p.step(func(q *quick) error { return q.skipTo(1, maxListDepth) })
		}
		if err != nil {
			return meta, err
		}
	}
}

// maxListDepth is the JSON v2 module's nesting limit, which the stream's
// decoder applied to the page as a whole.
const maxListDepth = 10000

// errListCut: the page ended inside a value or was not valid JSON there.
var errListCut = errors.New("the list is not valid JSON or ends early")

// pageReader holds the part of the body not read yet. A step that fails
// for want of bytes is run again, from where it started, once more bytes
// are in; one that fails with all of the body in is the page's error.
type pageReader struct {
	r   io.Reader
	b   []byte
	i   int // read up to here
	eof bool
	err error // the body's read error, other than io.EOF
}

// step runs fn at the read position and moves past what it read.
func (p *pageReader) step(fn func(q *quick) error) error {
	for {
		q := quick{b: p.b, i: p.i}
		err := fn(&q)
		if err == nil {
			p.i = q.i
			return nil
		}
		if !errors.Is(err, errQuick) {
			return err // fn's caller's own error
		}
		if p.eof {
			if p.err != nil {
				return p.err
			}
			return fmt.Errorf("%w (at byte %d of what is left)", errListCut, q.i-p.i)
		}
		p.fill()
	}
}

// fill drops what was read and reads at least as much again as is left
// (64 KiB at first), so that a long item read again costs at most twice
// its length.
func (p *pageReader) fill() {
	n := copy(p.b, p.b[p.i:])
	p.b, p.i = p.b[:n], 0
	want := max(n, 64<<10)
	if cap(p.b)-n < want {
		// Room for twice what is read: what is left of a read is most
		// often less than one read, so the next fill reuses the buffer
		// (sized to the need, it was allocated again at every other fill,
		// a page's size in garbage; BENCHMARKS.md, issue 26).
		p.b = append(make([]byte, 0, n+2*want), p.b...)
	}
	got, err := io.ReadFull(p.r, p.b[n:n+want])
	p.b = p.b[:n+got]
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		p.eof = true
	case err != nil:
		p.eof, p.err = true, err
	}
}

// member reads what stands before a member (',' but first) and its name;
// end is the object's closing brace.
func (p *pageReader) member(first bool) (end bool, name string, err error) {
	err = p.step(func(q *quick) error {
		if q.consume('}') {
			end = true
			return nil
		}
		if !first && !q.consume(',') {
			return errQuick
		}
		raw, simple, err := q.rawString()
		if err != nil || !q.consume(':') {
			return errQuick
		}
		if name = string(raw); !simple {
			name, err = unquoteLong(raw)
		}
		return err
	})
	return end, name, err
}

// items reads an items array (or null), an item at a time.
func (p *pageReader) items(batch int, fn func([]Decoded) error) error {
	var empty bool
	if err := p.step(func(q *quick) error {
		if q.literal("null") {
			empty = true
			return nil
		}
		if err := expectByte(q, '['); err != nil {
			return err
		}
		empty = q.consume(']')
		return nil
	}); err != nil || empty {
		return err
	}
	run := make([]Decoded, 0, batch)
	for done := false; !done; {
		var d Decoded
		if err := p.step(func(q *quick) (err error) { d, err = decodeItem(q); return err }); err != nil {
			return err
		}
		if run = append(run, d); len(run) == batch {
			if err := fn(run); err != nil {
				return err
			}
			run = make([]Decoded, 0, batch)
		}
		if err := p.step(func(q *quick) error {
			done = q.consume(']')
			if !done && !q.consume(',') {
				return errQuick
			}
			return nil
		}); err != nil {
			return err
		}
	}
	if len(run) == 0 {
		return nil
	}
	return fn(run)
}

// decodeItem decodes the item at q: quickly, or, when the quick decoder
// leaves it, by Read once the item is known to be whole and valid JSON.
func decodeItem(q *quick) (Decoded, error) {
	start := q.i
	hr := &v2.HelmRelease{}
	if err := DecodeSafely("the HelmRelease", func() error { return q.release(hr) }); err == nil {
		return Decoded{Object: hr}, nil
	}
	q.i = start
	q.peek()
	from := q.i
	if err := q.skipTo(2, maxListDepth); err != nil {
		return Decoded{}, err
	}
	return Read(bytes.Clone(q.b[from:q.i])), nil
}

// unmarshalMeta reads the page's metadata as the stream did: the JSON v2
// module with encoding/json's options, into meta (a second "metadata"
// merges into the first).
func unmarshalMeta(q *quick, meta *ListMeta) error {
	q.peek()
	start := q.i
	if err := q.skipTo(1, maxListDepth); err != nil {
		return err
	}
	if err := jsonv2.Unmarshal(q.b[start:q.i], meta, jsonv1.DefaultOptionsV1()); err != nil {
		return fmt.Errorf("the list's metadata: %w", err)
	}
	return nil
}

func expectByte(q *quick, c byte) error {
	if !q.consume(c) {
		return errQuick
	}
	return nil
}

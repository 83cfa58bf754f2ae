package cluster

import (
	"errors"
	"fmt"
	"io"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// listMeta is what a LIST page says about the list itself.
type listMeta struct {
	Continue        string `json:"continue"`
	ResourceVersion string `json:"resourceVersion"`
}

// readList reads one LIST page from r, calling fn with each run of up to
// batchSize items (each a copy: fn may keep it), and returns the page's
// metadata. The API server writes the metadata after the items, so the
// continue token is known only at the end.
//
// The decoder runs under inspect.DecodeSafely, as every decoder of the
// cluster's bytes: a panic in it is an error of this page.
func readList(r io.Reader, fn func(Page) error) (meta listMeta, err error) {
	var fnErr error // fn's own error goes back as it is
	call := func(p Page) error { fnErr = fn(p); return fnErr }
	err = inspect.DecodeSafely("the list", func() error {
		var readErr error
		meta, readErr = readListUnguarded(r, call)
		return readErr
	})
	var panicked *inspect.DecodePanic
	if err != nil && fnErr == nil && !errors.As(err, &panicked) {
		err = fmt.Errorf("decoding the list: %w", err)
	}
	return meta, err
}

// readListUnguarded walks the List object token by token with the JSON v2
// module's streaming decoder (the one DecodeJSON's fast path uses): the
// items are cut out of the body as it arrives, where encoding/json would
// need the whole page in memory (json.Decoder can stream a top-level
// sequence, not the array inside the List object). Duplicate names and
// invalid UTF-8 are let through as encoding/json lets them through: they are
// the item decoder's to judge, one object at a time, not a reason to lose
// the page.
func readListUnguarded(r io.Reader, fn func(Page) error) (listMeta, error) {
	dec := jsontext.NewDecoder(r, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	var meta listMeta
	if err := expect(dec, '{'); err != nil {
		return meta, err
	}
	for dec.PeekKind() == '"' {
		name, err := dec.ReadToken()
		if err != nil {
			return meta, err
		}
		switch name.String() {
		case "items":
			err = readItems(dec, fn)
		case "metadata":
			err = jsonv2.UnmarshalDecode(dec, &meta, jsonv1.DefaultOptionsV1())
		default:
			err = dec.SkipValue()
		}
		if err != nil {
			return meta, err
		}
	}
	return meta, expect(dec, '}')
}

// readItems hands the items array to fn in runs of up to batchSize.
func readItems(dec *jsontext.Decoder, fn func(Page) error) error {
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return err
	}
	if err := expect(dec, '['); err != nil {
		return err
	}
	batch := make([][]byte, 0, batchSize)
	// The batch's items are cut into one buffer (fn may keep them: each
	// batch has its own): one allocation for a run of items, not one
	// each. A buffer that grows leaves the items before in the old one,
	// which they keep alive.
	arena := make([]byte, 0, arenaSize)
	for dec.PeekKind() != ']' {
		start := len(arena)
		var err error
		if arena, err = inspect.CutItem(dec, arena); err != nil {
			return err
		}
		batch = append(batch, arena[start:len(arena):len(arena)])
		if len(batch) == batchSize {
			if err := fn(Page{Items: batch}); err != nil {
				return err
			}
			batch, arena = make([][]byte, 0, batchSize), make([]byte, 0, arenaSize)
		}
	}
	if err := expect(dec, ']'); err != nil {
		return err
	}
	if len(batch) == 0 {
		return nil
	}
	return fn(Page{Items: batch})
}

// arenaSize is a batch's first buffer: a hundred items as the cut leaves
// them (about 1-4 KiB each: conditions, history, spec).
const arenaSize = 256 << 10

// expect reads one token, which must be the delimiter kind.
func expect(dec *jsontext.Decoder, kind jsontext.Kind) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() != kind {
		return fmt.Errorf("found %v where %v was expected", tok.Kind(), kind)
	}
	return nil
}

package cluster

import (
	"fmt"
	"io"

	jsoniter "github.com/json-iterator/go"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// listMeta is what a LIST page says about the list itself.
type listMeta struct {
	Continue        string `json:"continue"`
	ResourceVersion string `json:"resourceVersion"`
}

// streamAPI reads LIST bodies. json-iterator (already linked in through
// client-go's dependencies) walks a stream: the items are cut out of the body
// as it arrives, where encoding/json would need the whole page in memory
// (json.Decoder can only stream a top-level sequence, not the array inside
// the List object). The standard-library-compatible configuration keeps
// encoding/json's rules (field names, escapes).
var streamAPI = jsoniter.ConfigCompatibleWithStandardLibrary

// readList reads one LIST page from r, calling fn with each run of up to
// batchSize items (each a copy: fn may keep it), and returns the page's
// metadata. The API server writes the metadata after the items, so the
// continue token is known only at the end.
//
// json-iterator runs under inspect.DecodeSafely, as every decoder of the
// cluster's bytes: a panic in it is an error of this page.
func readList(r io.Reader, fn func(Page) error) (meta listMeta, err error) {
	err = inspect.DecodeSafely("the list", func() error {
		var readErr error
		meta, readErr = readListUnguarded(r, fn)
		return readErr
	})
	return meta, err
}

func readListUnguarded(r io.Reader, fn func(Page) error) (listMeta, error) {
	it := jsoniter.Parse(streamAPI, r, 32<<10)
	var meta listMeta
	var fnErr error
	batch := make([][]byte, 0, batchSize)
	flush := func() bool {
		if len(batch) == 0 || fnErr != nil {
			return fnErr == nil
		}
		fnErr = fn(Page{Items: batch})
		batch = make([][]byte, 0, batchSize)
		return fnErr == nil
	}
	it.ReadObjectCB(func(it *jsoniter.Iterator, key string) bool {
		switch key {
		case "items":
			it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
				// SkipAndReturnBytes returns a copy of the item's bytes.
				item := it.SkipAndReturnBytes()
				if it.Error != nil {
					return false
				}
				batch = append(batch, item)
				return len(batch) < batchSize || flush()
			})
		case "metadata":
			it.ReadVal(&meta)
		default:
			it.Skip()
		}
		return it.Error == nil && fnErr == nil
	})
	if fnErr != nil {
		return meta, fnErr
	}
	if it.Error != nil {
		return meta, fmt.Errorf("decoding the list: %w", it.Error)
	}
	if !flush() {
		return meta, fnErr
	}
	return meta, nil
}

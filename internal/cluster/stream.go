package cluster

import (
	"errors"
	"fmt"
	"io"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// readList reads one LIST page from r, calling fn with each run of up to
// batchSize items, decoded as they arrive (inspect.ReadList), and returns
// the page's metadata. The API server writes the metadata after the items,
// so the continue token is known only at the end.
//
// The reader runs under inspect.DecodeSafely, as every decoder of the
// cluster's bytes: a panic in it is an error of this page.
func readList(r io.Reader, fn func(Page) error) (meta inspect.ListMeta, err error) {
	var fnErr error // fn's own error goes back as it is
	call := func(objs []inspect.Decoded) error { fnErr = fn(Page{Objects: objs}); return fnErr }
	err = inspect.DecodeSafely("the list", func() error {
		var readErr error
		meta, readErr = inspect.ReadList(r, batchSize, call)
		return readErr
	})
	var panicked *inspect.DecodePanic
	if err != nil && fnErr == nil && !errors.As(err, &panicked) {
		err = fmt.Errorf("decoding the list: %w", err)
	}
	return meta, err
}

package inspect

import (
	"errors"
	"testing"
)

func TestDecodeSafely(t *testing.T) {
	err := DecodeSafely("the release", func() error { panic("index out of range") })
	var p *DecodePanic
	if !errors.As(err, &p) || err.Error() != "cannot decode the release: index out of range" {
		t.Errorf("a panic: %v", err)
	}
	want := errors.New("bad JSON")
	if err := DecodeSafely("x", func() error { return want }); err != want { //nolint:errorlint // the same error, unwrapped
		t.Errorf("an error: %v", err)
	}
	// the fast path: a panic there is an object for the slow path.
	if _, err := decodeLean([]byte(`{"metadata":{"name":"a"}}`)); err != nil {
		t.Errorf("decodeLean: %v", err)
	}
}

package inspect

import (
	"fmt"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// skipped is a JSON value that is read past but never stored.
type skipped struct{}

// UnmarshalJSONFrom reads past the value without copying it: the decoder
// checks its syntax as it goes.
func (*skipped) UnmarshalJSONFrom(dec *jsontext.Decoder) error { return dec.SkipValue() }

// UnmarshalJSON discards the value (encoding/json has already checked it).
// Only the reference decoder of the tests (decodeLeanStd) calls it.
func (*skipped) UnmarshalJSON([]byte) error { return nil }

// leanRelease decodes a HelmRelease without the parts analysis never reads:
// metadata.managedFields, spec.values, spec.postRenderers and
// status.inventory. They are most of the bytes of a real object, and
// decoding them allocated most of the time. The outer fields shadow the
// embedded ones of the same JSON name (encoding/json prefers the shallower).
type leanRelease struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        leanMeta   `json:"metadata"`
	Spec            leanSpec   `json:"spec"`
	Status          leanStatus `json:"status"`
}

type leanMeta struct {
	metav1.ObjectMeta
	ManagedFields skipped `json:"managedFields"`
}

type leanSpec struct {
	v2.HelmReleaseSpec
	Values        skipped `json:"values"`
	PostRenderers skipped `json:"postRenderers"`
}

type leanStatus struct {
	v2.HelmReleaseStatus
	Inventory skipped `json:"inventory"`
}

// leanOptions are encoding/json's rules where they decide what an object
// decodes to: field names matched case-insensitively as strings.EqualFold
// does (jsonv2 alone also ignores '-' and '_', so "time_out" would set the
// timeout encoding/json ignores), duplicate names and invalid UTF-8 (as
// U+FFFD) accepted. Not the whole of
// jsonv1.DefaultOptionsV1, which also keeps encoding/json's legacy
// behaviours (its error messages, its order of checks) at 40 % more time
// per object (48 µs against 34 µs; BENCHMARKS.md): FuzzLeanDecode holds the
// result to encoding/json either way. Immutable: options are values.
var leanOptions = jsonv2.JoinOptions(jsonv2.MatchCaseInsensitiveNames(true), jsonv1.MatchCaseSensitiveDelimiter(true),
	jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true),
	jsonv2.WithUnmarshalers(jsonv2.JoinUnmarshalers(jsonv2.UnmarshalFromFunc(leanTime), jsonv2.UnmarshalFromFunc(leanDuration))))

// leanTime is metav1.Time.UnmarshalJSON read off the decoder's token: the
// method takes the value through encoding/json a second time (its own
// validation, reflection, an allocation) to get at the string, which was 8 %
// of a fleet's CPU (10 × 1,000 releases, BENCHMARKS.md). The same rules: null
// is the zero time, a string is RFC 3339 in the local zone, anything else an
// error (the object then takes the slow path). FuzzLeanDecode holds it to
// the method.
func leanTime(dec *jsontext.Decoder, t *metav1.Time) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 'n':
		t.Time = time.Time{}
		return nil
	case '"':
		pt, err := time.Parse(time.RFC3339, tok.String())
		if err != nil {
			return err
		}
		t.Time = pt.Local()
		return nil
	}
	return fmt.Errorf("a time is a string, not %v", tok.Kind())
}

// leanDuration is metav1.Duration.UnmarshalJSON read off the decoder's
// token, as leanTime. A null is no duration there: it reads as "", which
// time.ParseDuration rejects, and so does this.
func leanDuration(dec *jsontext.Decoder, d *metav1.Duration) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 'n', '"':
		s := ""
		if tok.Kind() == '"' {
			s = tok.String()
		}
		pd, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		d.Duration = pd
		return nil
	}
	return fmt.Errorf("a duration is a string, not %v", tok.Kind())
}

// decodeLean is DecodeJSON's fast path: the lean struct through the Go
// team's JSON v2 module (github.com/go-json-experiment/json, the code
// behind Go's encoding/json/v2 experiment), with leanOptions. It decodes in
// a third of encoding/json's time (BenchmarkDecodeRealistic against
// BenchmarkDecodeRealisticStdLean, figures in BENCHMARKS.md), calls the
// Unmarshaler methods of metav1.Time and Duration as encoding/json does,
// skips the unread parts without copying them, and needs neither reflect2
// nor unsafe. FuzzLeanDecode checks it agrees with encoding/json on what
// either accepts; any object it rejects takes DecodeJSON's slow path.
//
// A panic in the decoder is an error: the object takes the slow path like
// any other it rejects.
func decodeLean(raw []byte) (*v2.HelmRelease, error) {
	var l leanRelease
	if err := DecodeSafely("the HelmRelease", func() error {
		return jsonv2.Unmarshal(raw, &l, leanOptions)
	}); err != nil {
		return nil, err
	}
	return &v2.HelmRelease{TypeMeta: l.TypeMeta, ObjectMeta: l.Metadata.ObjectMeta,
		Spec: l.Spec.HelmReleaseSpec, Status: l.Status.HelmReleaseStatus}, nil
}

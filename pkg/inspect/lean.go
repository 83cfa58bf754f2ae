package inspect

import (
	"unsafe"

	jsoniter "github.com/json-iterator/go"
	"github.com/modern-go/reflect2"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// skipped is a JSON value that is read past but never stored.
type skipped struct{}

// UnmarshalJSON discards the value (encoding/json has already checked it).
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

// leanAPI decodes the lean struct. json-iterator (linked in already through
// client-go's dependencies) decodes it in 40 % of encoding/json's time
// (BenchmarkDecodeRealistic 50 µs against BenchmarkDecodeRealisticStdLean
// 132 µs for the 8 KB testdata/realistic.json), and decoding is most of
// status -A's CPU. Its
// standard-library-compatible configuration follows encoding/json's rules
// (field matching, the Unmarshaler methods of metav1.Time and Duration);
// FuzzLeanDecode checks both decoders agree on what either accepts, and any
// object it rejects takes DecodeJSON's slow path through encoding/json.
//
// It is a configuration of its own, equal to ConfigCompatibleWithStandardLibrary,
// so that the decoder of skipped (read past without the copy encoding/json's
// Unmarshaler interface needs) is not registered on the shared one.
var leanAPI = func() jsoniter.API {
	api := jsoniter.Config{EscapeHTML: true, SortMapKeys: true, ValidateJsonRawMessage: true}.Froze()
	api.RegisterExtension(&skipExtension{})
	return api
}()

// skipExtension decodes skipped by reading past the value.
type skipExtension struct{ jsoniter.DummyExtension }

func (*skipExtension) CreateDecoder(typ reflect2.Type) jsoniter.ValDecoder {
	if typ == reflect2.TypeOf(skipped{}) {
		return skipDecoder{}
	}
	return nil
}

type skipDecoder struct{}

// Decode reads past the value; Skip checks its syntax.
func (skipDecoder) Decode(_ unsafe.Pointer, iter *jsoniter.Iterator) { iter.Skip() }

// decodeLean is DecodeJSON's fast path. A panic in json-iterator is an
// error: the object takes the slow path like any other it rejects.
func decodeLean(raw []byte) (*v2.HelmRelease, error) {
	var l leanRelease
	if err := DecodeSafely("the HelmRelease", func() error { return leanAPI.Unmarshal(raw, &l) }); err != nil {
		return nil, err
	}
	return &v2.HelmRelease{TypeMeta: l.TypeMeta, ObjectMeta: l.Metadata.ObjectMeta,
		Spec: l.Spec.HelmReleaseSpec, Status: l.Status.HelmReleaseStatus}, nil
}

package inspect

import (
	"encoding/json"

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

// decodeLean is DecodeJSON's fast path.
func decodeLean(raw []byte) (*v2.HelmRelease, error) {
	var l leanRelease
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, err
	}
	return &v2.HelmRelease{TypeMeta: l.TypeMeta, ObjectMeta: l.Metadata.ObjectMeta,
		Spec: l.Spec.HelmReleaseSpec, Status: l.Status.HelmReleaseStatus}, nil
}

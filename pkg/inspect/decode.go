package inspect

import (
	"encoding/json"
	"fmt"
	"reflect"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// decodeUnstructured converts what the API server returned into the typed
// HelmRelease; it is DecodeJSON's slow path.
//
// Objects come from clusters running other controller versions, or written
// by hand: a field of the wrong type must not hide the rest of the object.
// So the object is decoded whole when it can be, and otherwise metadata,
// spec and status one by one, keeping every part that decodes. The returned
// problems say what was dropped; they become warnings on the RetryState.
func decodeUnstructured(u *unstructured.Unstructured) (*v2.HelmRelease, []string) {
	hr := &v2.HelmRelease{}
	if err := fromUnstructured(u.Object, hr); err == nil {
		return hr, nil
	}

	var problems []string
	hr = &v2.HelmRelease{}
	hr.APIVersion, hr.Kind = u.GetAPIVersion(), u.GetKind()
	if m, ok := u.Object["metadata"].(map[string]any); ok {
		if err := fromUnstructured(m, &hr.ObjectMeta); err != nil {
			// Name and namespace are needed to say anything at all; the
			// unstructured accessors are lenient about the rest.
			hr.Name, hr.Namespace = u.GetName(), u.GetNamespace()
			hr.Generation, hr.Annotations = u.GetGeneration(), u.GetAnnotations()
			hr.DeletionTimestamp = u.GetDeletionTimestamp()
			problems = append(problems, fmt.Sprintf("metadata: %v", err))
		}
	}
	for _, part := range []struct {
		name string
		into any
	}{{"spec", &hr.Spec}, {"status", &hr.Status}} {
		m, ok := u.Object[part.name].(map[string]any)
		if !ok {
			if _, present := u.Object[part.name]; present {
				problems = append(problems, part.name+": not an object")
			}
			continue
		}
		if err := fromUnstructured(m, part.into); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", part.name, err))
			if part.name == "status" {
				decodeStatusLeniently(m, &hr.Status)
			}
		}
	}
	return hr, problems
}

// decodeStatusLeniently keeps the status fields that decode on their own,
// so that one bad history entry does not hide the conditions.
func decodeStatusLeniently(m map[string]any, st *v2.HelmReleaseStatus) {
	for key := range m {
		single := map[string]any{key: m[key]}
		var part v2.HelmReleaseStatus
		if fromUnstructured(single, &part) != nil {
			continue
		}
		mergeStatus(st, &part)
	}
}

// mergeStatus copies the non-zero fields of part into st. Every field of
// the status is exported, so reflection can set it.
func mergeStatus(st, part *v2.HelmReleaseStatus) {
	dst, src := reflect.ValueOf(st).Elem(), reflect.ValueOf(part).Elem()
	for i := range src.NumField() {
		if f := src.Field(i); !f.IsZero() {
			dst.Field(i).Set(f)
		}
	}
}

// fromUnstructured never panics: the converter is reflection-heavy and the
// input is untrusted.
func fromUnstructured(m map[string]any, into any) error {
	return DecodeSafely("the object", func() error { return runtime.DefaultUnstructuredConverter.FromUnstructured(m, into) })
}

// DecodeJSON decodes one object as the API server sent it. The quick
// decoder takes what the API server writes (quick.go); what it leaves, the
// typed decode of the lean struct takes; an object both reject is decoded
// part by part. Commands read objects through Read, which wraps it.
func DecodeJSON(raw []byte) (*v2.HelmRelease, []string) {
	if hr, err := decodeQuick(raw); err == nil {
		return hr, nil
	}
	if hr, err := decodeLean(raw); err == nil {
		return hr, nil
	}
	var m map[string]any
	if err := DecodeSafely("the HelmRelease", func() error { return json.Unmarshal(raw, &m) }); err != nil {
		return &v2.HelmRelease{}, []string{"not a JSON object: " + err.Error()}
	}
	return decodeUnstructured(&unstructured.Unstructured{Object: m})
}

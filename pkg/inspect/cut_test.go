package inspect

import (
	"bytes"
	"os"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// listDecoder is a decoder with the LIST reader's options
// (internal/cluster readList).
func listDecoder(raw []byte) *jsontext.Decoder {
	return jsontext.NewDecoder(bytes.NewReader(raw), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
}

// FuzzCutItem: CutItem takes what ReadValue takes and rejects what it
// rejects, writes valid JSON, and the fast decoder reads the same object
// off the cut as off the item (or rejects both, so both take the slow
// path).
func FuzzCutItem(f *testing.F) {
	addStateSeeds(f)
	for _, in := range []string{`{"metadata":{"name":"a","managedFields":[{"manager":"x"}]},"spec":{"values":{"a":1},"interval":"1m"}}`,
		`{"METADATA":{"ManagedFields":5,"name":"a"},"Spec":{"VALUES":"x","postrenderers":[]},"status":{"Inventory":null,"failures":2}}`,
		`{"metadata":{"m\u0061nagedFields":{},"n\u0061me":"b"},"st\u0061tus":{"inventory":{}}}`,
		`{"metadata":{"name":"a"},"metadata":{"managedFields":1,"namespace":"n"}}`, `{"metadata":[],"spec":null,"status":"x"}`,
		`[1,2]`, `null`, `"x"`, `{"spec":{"values":{"deep":[[[{"a":"\ud800"}]]]}}}`, `{"spec":{"values":{]}}`,
		`{"status":{"inventory":{"entries":[1,2}}}`, `{"metadata":{"name":"a"}} trailing`, `{"managed_fields":1,"meta_data":{"managedFields":1}}`,
		"{\"metadata\":{\"name\":\"\xff\",\"managedFields\xff\":1}}", `{"spec":{"values":1,"values":2,"timeout":"5s"}}`, `{}`, `{"a":{}}`} {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		whole, errWhole := listDecoder(raw).ReadValue()
		cut, errCut := CutItem(listDecoder(raw), nil)
		if (errWhole == nil) != (errCut == nil) {
			t.Fatalf("ReadValue: %v, CutItem: %v on %q", errWhole, errCut, raw)
		}
		if errWhole != nil {
			return
		}
		if !jsontext.Value(cut).IsValid(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)) {
			t.Fatalf("the cut of %q is not valid JSON: %q", raw, cut)
		}
		var fromWhole, fromCut leanRelease
		errW := jsonv2.Unmarshal(whole, &fromWhole, leanOptions)
		errC := jsonv2.Unmarshal(cut, &fromCut, leanOptions)
		if (errW == nil) != (errC == nil) {
			t.Fatalf("the fast decoder: %v on the item, %v on its cut (%q → %q)", errW, errC, whole, cut)
		}
		if errW == nil {
			if w, c := normalized(t, fromWhole), normalized(t, fromCut); w != c {
				t.Errorf("the item and its cut decode apart:\n item %s\n  cut %s", w, c)
			}
		}
	})
}

// TestCutItemDropsTheUnreadParts: the realistic object (a real release's
// managed fields, values and inventory) loses them and most of its bytes,
// and analyses the same.
func TestCutItemDropsTheUnreadParts(t *testing.T) {
	raw, err := os.ReadFile("testdata/realistic.json")
	if err != nil {
		t.Fatal(err)
	}
	cut, err := CutItem(listDecoder(raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{`"managedFields"`, `"values"`, `"inventory"`} {
		if !bytes.Contains(raw, []byte(gone)) || bytes.Contains(cut, []byte(gone)) {
			t.Errorf("%s: in the item %v, in the cut %v", gone, bytes.Contains(raw, []byte(gone)), bytes.Contains(cut, []byte(gone)))
		}
	}
	if 2*len(cut) > len(raw) {
		t.Errorf("the cut keeps %d of %d bytes", len(cut), len(raw))
	}
	a, b := AnalyzeJSON(raw, testNow, DefaultSettings()), AnalyzeJSON(cut, testNow, DefaultSettings())
	if ja, jb := mustMarshal(t, a), mustMarshal(t, b); ja != jb {
		t.Errorf("the analyses differ:\n item %s\n  cut %s", ja, jb)
	}
	t.Logf("%d → %d bytes", len(raw), len(cut))
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	if err := jsonv2.MarshalWrite(&b, v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

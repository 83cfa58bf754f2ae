package inspect

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"sigs.k8s.io/yaml"
)

// decodeLeanStd is decodeLean with encoding/json: the reference the fast
// decoder is held to.
func decodeLeanStd(raw []byte) (leanRelease, error) {
	var l leanRelease
	err := json.Unmarshal(raw, &l)
	return l, err
}

// FuzzLeanDecode: the fast decoder (the JSON v2 module with leanOptions)
// and encoding/json decode the lean struct alike. When both accept an
// object they must yield the same one, and what encoding/json rejects the
// fast decoder must reject too, so that it takes DecodeJSON's slow path as
// before. (The fast decoder rejecting more only costs time: the slow path
// decodes it.)
func FuzzLeanDecode(f *testing.F) {
	addStateSeeds(f)
	addLeanSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		want, errStd := decodeLeanStd(raw)
		var got leanRelease
		errIter := jsonv2.Unmarshal(raw, &got, leanOptions)
		if errStd != nil && errIter == nil {
			// The fast path would take what the reference rejects, and
			// skip the slow path's UndecodableField warning.
			t.Fatalf("the fast decoder accepts what encoding/json rejects (%v): %q", errStd, raw)
		}
		if errStd != nil || errIter != nil {
			return
		}
		g, w := normalized(t, got), normalized(t, want)
		if g != w {
			t.Errorf("the fast decoder and encoding/json disagree on %q:\n fast %s\n  std %s", raw, g, w)
		}
	})
}

// stateJSONs is every state fixture, as JSON: the fuzzers' first seeds.
func stateJSONs(f *testing.F) [][]byte {
	files, _ := filepath.Glob(filepath.Join("testdata", "states", "*.yaml"))
	out := make([][]byte, 0, len(files))
	for _, file := range files {
		y, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		j, err := yaml.YAMLToJSON(y)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, j)
	}
	return out
}

// addStateSeeds adds every state fixture and the realistic object
// (managed fields, values, inventory) to f's corpus.
func addStateSeeds(f *testing.F) {
	for _, j := range stateJSONs(f) {
		f.Add(j)
	}
	raw, err := os.ReadFile("testdata/realistic.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
}

// normalized is l as JSON, marshalled twice, so that invalid UTF-8 compares
// as U+FFFD whichever decoder replaced it, and when. Either way the output and the terminal (render.Escape)
// see U+FFFD; no rule of the analysis reads a byte that is not UTF-8.
func normalized(t *testing.T, l leanRelease) string {
	t.Helper()
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if b, err = json.Marshal(v); err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// addLeanSeeds adds the objects the fast decoders are most likely to get
// wrong: what a lenient decoder takes and encoding/json does not, times and
// durations, names that fold, odd conditions and snapshots.
func addLeanSeeds(f *testing.F) {
	// What a lenient decoder might take and encoding/json does not.
	for _, in := range []string{`{"metadata":{"generation":1.0}}`, `{"metadata":{"generation":01}}`,
		`{"metadata":{"name":"a",}}`, `{"status":{"conditions":[{"type":"a"},]}}`, `{"metadata":{"name":"a"}} x`,
		`{"metadata":{"name":'a'}}`, `{"status":{"failures":9223372036854775808}}`, "{\"metadata\":{\"name\":\"a\tb\"}}",
		`{"metadata":{"name":"a\u12"}}`, `{"spec":{"suspend":tru}}`, `{"status":{"history":[null,{"version":1.5}]}}`} {
		f.Add([]byte(in))
	}
	f.Add([]byte(`{"metadata":{"NAME":"a","namespace":"n\u00e9\ud800"},"status":{"conditions":[{"type":"Ready","message":"\u0000x"}]}}`))
	// Times and durations, read off the token (leanTime, leanDuration).
	for _, in := range []string{`{"spec":{"timeout":null,"interval":"1h","install":{"timeout":"5m"}}}`, `{"spec":{"interval":null}}`,
		`{"metadata":{"deletionTimestamp":null,"creationTimestamp":null}}`, `{"status":{"conditions":[{"lastTransitionTime":null}]}}`,
		`{"metadata":{"creationTimestamp":"2026-11-23T10:27:28+02:00"}}`, `{"metadata":{"creationTimestamp":"bad"}}`,
		`{"spec":{"timeout":5}}`, `{"spec":{"timeout":"\u0035m"}}`, `{"metadata":{"creationTimestamp":{}}}`, `{"spec":{"interval":[]}}`,
		`{"status":{"history":[{"firstDeployed":"2026-11-23T10:27:28.123Z","deleted":null}]}}`, `{"spec":{"timeout":""}}`} {
		f.Add([]byte(in))
	}
	// encoding/json matches names as strings.EqualFold does: "time_out"
	// and "time-out" are not "timeout" (jsonv2 alone would match them).
	for _, in := range []string{`{"spec":{"time_out":"5s","Time-Out":"6s"}}`, `{"metadata":{"Name":"a","na_me":"b"}}`,
		`{"status":{"Observed_Generation":3,"failures":1}}`} {
		f.Add([]byte(in))
	}
	// Conditions and snapshots, decoded by hand (leanCondition, leanSnapshot).
	for _, in := range []string{`{"status":{"conditions":[null,{"type":"Ready","TYPE":"x","Status":"True","observedgeneration":-0}]}}`,
		`{"status":{"conditions":[{"observedGeneration":1.5}]}}`, `{"status":{"conditions":[{"observedGeneration":1e2}]}}`,
		`{"status":{"conditions":[{"observedGeneration":"1"}]}}`, `{"status":{"conditions":[{"reason":null,"message":5}]}}`,
		`{"status":{"conditions":[{"last_transition_time":"2026-11-23T10:27:28Z","lastTransitionTime":"2026-11-23T10:27:29Z"}]}}`,
		`{"status":{"conditions":[{"type":"a","extra":{"deep":[1,{"x":null}]},"type":"b"}]}}`, `{"status":{"conditions":["x"]}}`,
		`{"status":{"conditions":{}}}`, `{"status":{"conditions":[{"observedGeneration":9223372036854775808}]}}`,
		`{"status":{"history":[null,{"version":"1"}]}}`, `{"status":{"history":[{"version":2147483648,"deleted":null,"Digest":"d"}]}}`,
		`{"status":{"history":[{"testHooks":{"t":{"lastStarted":"2026-11-23T10:27:28Z","phase":"Succeeded"}},"action":"upgrade"}]}}`,
		`{"status":{"history":[{"testHooks":null,"firstDeployed":null,"ociDigest":"sha256:x","chartname":"c"}]}}`,
		`{"status":{"history":[{"status":true}]}}`, `{"status":{"history":[{"n\u0061me":"escaped","version":1,}]}}`} {
		f.Add([]byte(in))
	}
}

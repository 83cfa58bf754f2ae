package inspect

import (
	"encoding/json"
	"os"
	"testing"

	v2 "github.com/fluxcd/helm-controller/api/v2"
)

// BenchmarkDecodeRealistic decodes an object as the API server returns it:
// managedFields, values and an inventory included.
func BenchmarkDecodeRealistic(b *testing.B) {
	raw, err := os.ReadFile("testdata/realistic.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, problems := DecodeJSON(raw); problems != nil {
			b.Fatal(problems)
		}
	}
}

// BenchmarkDecodeRealisticFull is the plain typed decode, for comparison.
func BenchmarkDecodeRealisticFull(b *testing.B) {
	raw, err := os.ReadFile("testdata/realistic.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if err := json.Unmarshal(raw, &v2.HelmRelease{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeRealisticStdLean is the lean struct through encoding/json:
// what the fast path would cost with encoding/json.
func BenchmarkDecodeRealisticStdLean(b *testing.B) {
	raw, err := os.ReadFile("testdata/realistic.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := decodeLeanStd(raw); err != nil {
			b.Fatal(err)
		}
	}
}

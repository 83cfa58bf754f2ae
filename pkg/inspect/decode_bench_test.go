package inspect

import (
	"bytes"
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

// BenchmarkDecodeRealisticLean is the JSON v2 path alone (decodeLean),
// which the quick decoder goes before.
func BenchmarkDecodeRealisticLean(b *testing.B) {
	raw, err := os.ReadFile("testdata/realistic.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := decodeLean(raw); err != nil {
			b.Fatal(err)
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

// listItem is the realistic object as a LIST carries it: the API server's
// compact JSON (the testdata is indented, which flatters any scanner).
func listItem(b *testing.B) []byte {
	raw, err := os.ReadFile("testdata/realistic.json")
	if err != nil {
		b.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		b.Fatal(err)
	}
	return compact.Bytes()
}

// BenchmarkDecodeItem is DecodeJSON on a LIST's item: the quick decoder.
func BenchmarkDecodeItem(b *testing.B) {
	item := listItem(b)
	b.SetBytes(int64(len(item)))
	for b.Loop() {
		if _, problems := DecodeJSON(item); problems != nil {
			b.Fatal(problems)
		}
	}
}

// BenchmarkDecodeItemLean is the JSON v2 path on the same item.
func BenchmarkDecodeItemLean(b *testing.B) {
	item := listItem(b)
	b.SetBytes(int64(len(item)))
	for b.Loop() {
		if _, err := decodeLean(item); err != nil {
			b.Fatal(err)
		}
	}
}

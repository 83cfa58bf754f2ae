package cluster

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
)

// realisticPage is a LIST page of n realistic objects: the 8 KB testdata of
// pkg/inspect (managedFields, values, an inventory), compacted as the API
// server writes it (the testdata is indented, which flatters any scanner),
// each named apart (so that gzip compresses the page as a fleet's, not as
// one object repeated).
func realisticPage(b *testing.B, n int) []byte {
	b.Helper()
	item, err := os.ReadFile("../../pkg/inspect/testdata/realistic.json")
	if err != nil {
		b.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, item); err != nil {
		b.Fatal(err)
	}
	items := make([]string, n)
	for i := range items {
		items[i] = strings.Replace(compact.String(), `"name":"`, fmt.Sprintf(`"name":"r%d-`, i), 1)
	}
	return []byte(`{"apiVersion":"helm.toolkit.fluxcd.io/v2","items":[` + strings.Join(items, ",") +
		`],"kind":"HelmReleaseList","metadata":{"continue":"x","resourceVersion":"42"}}`)
}

// BenchmarkReadList reads and decodes a 500-item page: the LIST's part of
// status -A's CPU, before analysis.
func BenchmarkReadList(b *testing.B) {
	body := realisticPage(b, 500)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		n := 0
		if _, err := readList(bytes.NewReader(body), func(p Page) error { n += len(p.Objects); return nil }); err != nil || n != 500 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkReadListFleet: ten clusters' pages of 500 gzipped items each,
// read and decoded at once under the table view's heap limit for one
// cluster, as status -A --contexts did before the limit grew with them.
func BenchmarkReadListFleet(b *testing.B) {
	body := realisticPage(b, 500)
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	_, _ = w.Write(body)
	_ = w.Close()
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(28 << 20))
	b.SetBytes(10 * int64(len(body)))
	for b.Loop() {
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				r, _ := gzip.NewReader(bytes.NewReader(z.Bytes()))
				_, err := readList(r, func(Page) error { return nil })
				if err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
}

package cluster

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// BenchmarkReadListFleet: ten clusters' pages of 500 gzipped items each,
// read and decoded at once under the table view's heap limit, as
// status -A --contexts does.
func BenchmarkReadListFleet(b *testing.B) {
	item, err := os.ReadFile("../../pkg/inspect/testdata/realistic.json")
	if err != nil {
		b.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, item); err != nil {
		b.Fatal(err)
	}
	items := make([]string, 500)
	for i := range items {
		items[i] = strings.Replace(compact.String(), `"name":"`, fmt.Sprintf(`"name":"r%d-`, i), 1)
	}
	body := `{"apiVersion":"helm.toolkit.fluxcd.io/v2","items":[` + strings.Join(items, ",") +
		`],"kind":"HelmReleaseList","metadata":{"continue":"","resourceVersion":"42"}}`
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	_, _ = io.WriteString(w, body)
	_ = w.Close()
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(28 << 20))
	b.SetBytes(10 * int64(len(body)))
	for b.Loop() {
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				r, _ := gzip.NewReader(bytes.NewReader(z.Bytes()))
				_, err := readList(r, func(p Page) error {
					for _, it := range p.Items {
						inspect.Read(it)
					}
					return nil
				})
				if err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
}

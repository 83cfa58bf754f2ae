package cluster

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// BenchmarkReadList cuts a 500-item LIST page of realistic objects (the
// 8 KB testdata of pkg/inspect: managedFields, values, an inventory) into
// items: the streaming half of status -A's CPU, before any item is decoded.
func BenchmarkReadList(b *testing.B) {
	item, err := os.ReadFile("../../pkg/inspect/testdata/realistic.json")
	if err != nil {
		b.Fatal(err)
	}
	// The API server writes compact JSON; the testdata is indented.
	var compact bytes.Buffer
	if err := json.Compact(&compact, item); err != nil {
		b.Fatal(err)
	}
	items := strings.Repeat(compact.String()+",", 500)
	body := []byte(`{"apiVersion":"helm.toolkit.fluxcd.io/v2","items":[` + items[:len(items)-1] +
		`],"kind":"HelmReleaseList","metadata":{"continue":"x","resourceVersion":"42"}}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		n := 0
		if _, err := readList(bytes.NewReader(body), func(p Page) error { n += len(p.Items); return nil }); err != nil || n != 500 {
			b.Fatal(n, err)
		}
	}
}

package cluster

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

func listBody(n int, cont string) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"metadata":{"name":"r%d","managedFields":[{"f:x":{}}]},"status":{"x":[1,"]}"]}}`, i)
	}
	return `{"apiVersion":"helm.toolkit.fluxcd.io/v2","items":[` + strings.Join(items, ",") +
		`],"kind":"HelmReleaseList","metadata":{"continue":"` + cont + `","resourceVersion":"42"}}`
}

// Items arrive in order, decoded, in runs of at most batchSize; the
// metadata after them is read too. The same whatever sizes the body's reads
// come in (the reader reads an item again when it is cut across reads).
func TestReadListStreamsRuns(t *testing.T) {
	body := listBody(2*batchSize+7, "next")
	for name, r := range map[string]io.Reader{"whole": strings.NewReader(body),
		"a byte at a time": iotest.OneByteReader(strings.NewReader(body)),
		"half reads":       iotest.HalfReader(strings.NewReader(body))} {
		var runs []int
		var got []string
		meta, err := readList(r, func(p Page) error {
			runs = append(runs, len(p.Objects))
			for _, d := range p.Objects {
				got = append(got, d.Object.Name)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if meta.Continue != "next" || meta.ResourceVersion != "42" {
			t.Errorf("%s: meta = %+v", name, meta)
		}
		if fmt.Sprint(runs) != fmt.Sprint([]int{batchSize, batchSize, 7}) {
			t.Errorf("%s: runs = %v", name, runs)
		}
		if len(got) != 2*batchSize+7 || got[150] != "r150" {
			t.Errorf("%s: %d items, item 150 %q", name, len(got), got[150])
		}
	}
}

// An item longer than the reader's first buffer, and one the quick decoder
// leaves to Read (a name in another case), decode as any other.
func TestReadListLongAndOddItems(t *testing.T) {
	long := `{"metadata":{"name":"long","annotations":{"a":"` + strings.Repeat("x", 300<<10) + `"}}}`
	odd := `{"Metadata":{"name":"odd"},"status":{"failures":2}}`
	body := `{"items":[` + long + `,` + odd + `],"metadata":{"resourceVersion":"7"}}`
	var got []inspect.Decoded
	meta, err := readList(iotest.HalfReader(strings.NewReader(body)), func(p Page) error {
		got = append(got, p.Objects...)
		return nil
	})
	if err != nil || meta.ResourceVersion != "7" || len(got) != 2 {
		t.Fatalf("%d items, %+v, %v", len(got), meta, err)
	}
	if got[0].Object.Name != "long" || len(got[0].Object.Annotations["a"]) != 300<<10 {
		t.Errorf("the long item: %q", got[0].Object.Name)
	}
	if got[1].Object.Name != "odd" || got[1].Object.Status.Failures != 2 {
		t.Errorf("the odd item: %+v", got[1].Object)
	}
}

// A body cut short (a dropped connection) or not a list is an error, never
// a shorter list.
func TestReadListRejectsTruncatedBodies(t *testing.T) {
	body := listBody(3, "")
	for _, bad := range []string{body[:len(body)/2], body[:len(body)-1], `[1,2]`, `{"items":{}}`, ``} {
		_, err := readList(strings.NewReader(bad), func(Page) error { return nil })
		if err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
	if _, err := readList(strings.NewReader(listBody(0, "")), func(Page) error { return nil }); err != nil {
		t.Errorf("an empty list: %v", err)
	}
}

// The caller's own error (an interrupted command, a full pipe) comes back as
// it is; an error of the body says it is the list's.
func TestReadListErrors(t *testing.T) {
	stop := errors.New("stop")
	_, err := readList(strings.NewReader(listBody(3, "")), func(Page) error { return stop })
	if err != stop { //nolint:errorlint // the same error, unwrapped
		t.Errorf("fn's error: %v", err)
	}
	_, err = readList(strings.NewReader(`{"items":[{"a":1},}`), func(Page) error { return nil })
	if err == nil || !strings.HasPrefix(err.Error(), "decoding the list: ") {
		t.Errorf("a malformed body: %v", err)
	}
}

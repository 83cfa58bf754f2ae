package cluster

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func listBody(n int, cont string) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"metadata":{"name":"r%d","managedFields":[{"f:x":{}}]},"status":{"x":[1,"]}"]}}`, i)
	}
	return `{"apiVersion":"helm.toolkit.fluxcd.io/v2","items":[` + strings.Join(items, ",") +
		`],"kind":"HelmReleaseList","metadata":{"continue":"` + cont + `","resourceVersion":"42"}}`
}

// Items arrive in order, in runs of at most batchSize, each the item's
// bytes less the parts analysis never reads (inspect.CutItem: here its
// managed fields); the metadata after them is read too.
func TestReadListStreamsRuns(t *testing.T) {
	var runs []int
	var got []string
	meta, err := readList(strings.NewReader(listBody(2*batchSize+7, "next")), func(p Page) error {
		runs = append(runs, len(p.Items))
		for _, it := range p.Items {
			got = append(got, string(it))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if meta.Continue != "next" || meta.ResourceVersion != "42" {
		t.Errorf("meta = %+v", meta)
	}
	if fmt.Sprint(runs) != fmt.Sprint([]int{batchSize, batchSize, 7}) {
		t.Errorf("runs = %v", runs)
	}
	want := fmt.Sprintf(`{"metadata":{"name":"r%d"},"status":{"x":[1,"]}"]}}`, 150)
	if len(got) != 2*batchSize+7 || got[150] != want {
		t.Errorf("item 150 = %s, want %s", got[150], want)
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

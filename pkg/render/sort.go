package render

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/client-go/util/jsonpath"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// SortKeys are the column names --sort-by accepts besides a JSONPath.
var SortKeys = []string{"context", "namespace", "name", "phase", "next", "failures"}

// Sort orders states in place by a column name or, like kubectl --sort-by, a
// JSONPath into the documented schema ("{.next.earliest}" or ".next.earliest").
// The sort is stable: ties keep the API server's order.
func Sort(states []inspect.RetryState, by string) error {
	order, ok := rowOrder(by)
	switch {
	case order == nil && ok:
		return nil
	case !ok:
		return sortByPath(states, by)
	}
	rows := RowsOf(states)
	sortBy(states, func(a, b int) int { return order(rows[a], rows[b]) })
	return nil
}

// SortRows is Sort over rows, by a column name (a JSONPath needs states).
func SortRows(rows []*Row, by string) error {
	order, ok := rowOrder(by)
	if !ok {
		return fmt.Errorf("--sort-by %q: the table's rows sort by %s", by, strings.Join(SortKeys, ", "))
	}
	if order != nil {
		slices.SortStableFunc(rows, order)
	}
	return nil
}

// rowOrder is the order of a column name; nil and true: the API server's
// order; false: not a column (a JSONPath).
func rowOrder(by string) (func(a, b *Row) int, bool) {
	switch strings.ToLower(by) {
	case "":
		return nil, true
	case "context":
		return func(a, b *Row) int {
			return cmp.Or(cmp.Compare(a.Context(), b.Context()), cmp.Compare(a.Namespace(), b.Namespace()), cmp.Compare(a.Name(), b.Name()))
		}, true
	case "namespace":
		return func(a, b *Row) int {
			return cmp.Or(cmp.Compare(a.Namespace(), b.Namespace()), cmp.Compare(a.Name(), b.Name()))
		}, true
	case "name":
		return func(a, b *Row) int { return cmp.Compare(a.Name(), b.Name()) }, true
	case "phase":
		return func(a, b *Row) int { return cmp.Compare(phaseRank(a.Phase()), phaseRank(b.Phase())) }, true
	case "next":
		return compareNext, true
	case "failures":
		return func(a, b *Row) int { return cmp.Compare(b.total, a.total) }, true
	}
	return nil, false
}

// compareNext puts the soonest next action first and unscheduled ones last.
func compareNext(a, b *Row) int {
	switch ae, be := a.flags.has(hasEarliest), b.flags.has(hasEarliest); {
	case !ae && !be:
		return 0
	case !ae:
		return 1
	case !be:
		return -1
	default:
		return a.earliest.Compare(b.earliest)
	}
}

// sortBy sorts states stably by compare over their indexes: the keys are
// made once, and a state (760 bytes) moves once.
func sortBy(states []inspect.RetryState, compare func(a, b int) int) {
	idx := make([]int, len(states))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, compare)
	sorted := make([]inspect.RetryState, len(states))
	for i, j := range idx {
		sorted[i] = states[j]
	}
	copy(states, sorted)
}

func phaseRank(p inspect.Phase) int { return slices.Index(inspect.Phases(), p) }

// sortByPath evaluates the JSONPath once per state and compares numbers as
// numbers, everything else as text (RFC3339 times sort correctly as text).
func sortByPath(states []inspect.RetryState, path string) error {
	jp := jsonpath.New("sort-by").AllowMissingKeys(true)
	if err := jp.Parse(relaxed(path)); err != nil {
		return fmt.Errorf("--sort-by %q: %w (use a JSONPath such as .next.earliest, or one of %s)", path, err, strings.Join(SortKeys, ", "))
	}
	keys := make([]string, len(states))
	for i, st := range states {
		m, err := toMap(Wrap(st))
		if err != nil {
			return err
		}
		if vals, err := jp.FindResults(m); err == nil && len(vals) > 0 && len(vals[0]) > 0 {
			keys[i] = fmt.Sprint(vals[0][0].Interface())
		}
	}
	sortBy(states, func(a, b int) int { return compareKeys(keys[a], keys[b]) })
	return nil
}

func compareKeys(a, b string) int {
	fa, errA := strconv.ParseFloat(a, 64)
	fb, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		return cmp.Compare(fa, fb)
	}
	return cmp.Compare(a, b)
}

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
	var less func(a, b inspect.RetryState) int
	switch strings.ToLower(by) {
	case "":
		return nil
	case "context":
		less = func(a, b inspect.RetryState) int {
			return cmp.Or(cmp.Compare(a.Context, b.Context), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
		}
	case "namespace":
		less = func(a, b inspect.RetryState) int {
			return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
		}
	case "name":
		less = func(a, b inspect.RetryState) int { return cmp.Compare(a.Name, b.Name) }
	case "phase":
		less = func(a, b inspect.RetryState) int { return cmp.Compare(phaseRank(a.Phase), phaseRank(b.Phase)) }
	case "next":
		less = compareNext
	case "failures":
		less = func(a, b inspect.RetryState) int { return cmp.Compare(b.Failures.Total, a.Failures.Total) }
	default:
		return sortByPath(states, by)
	}
	slices.SortStableFunc(states, less)
	return nil
}

// compareNext puts the soonest next action first and unscheduled ones last.
func compareNext(a, b inspect.RetryState) int {
	switch ae, be := a.Next.Earliest, b.Next.Earliest; {
	case ae == nil && be == nil:
		return 0
	case ae == nil:
		return 1
	case be == nil:
		return -1
	default:
		return ae.Compare(*be)
	}
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
	idx := make([]int, len(states))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return compareKeys(keys[a], keys[b]) })
	sorted := make([]inspect.RetryState, len(states))
	for i, j := range idx {
		sorted[i] = states[j]
	}
	copy(states, sorted)
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

package history

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// sortEntries orders the timeline: by second, undated entries first; in
// the same second by the revision each entry is about, then by source.
//
// Seconds, because that is all the API keeps of a condition's or an
// Event's time, while Helm stores nanoseconds: a rollback stored at
// 12:00:51.6 happened after the failure condition stamped 12:00:51. And
// the revision, because one reconcile can fail an upgrade and roll it back
// within one second: what is about revision 2 (the upgrade's failure) came
// before what is about revision 3 (the rollback).
func sortEntries(es []Entry) {
	aff := affinity(es)
	idx := make([]int, len(es))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		a, b := es[i], es[j]
		if c := compareTimes(second(a.Time), second(b.Time)); c != 0 {
			return c
		}
		if c := cmp.Compare(aff[i], aff[j]); c != 0 {
			return c
		}
		return cmp.Compare(sourceRank[a.Source], sourceRank[b.Source])
	})
	sorted := make([]Entry, len(es))
	for k, i := range idx {
		sorted[k] = es[i]
	}
	copy(es, sorted)
}

func second(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	s := t.Truncate(time.Second)
	return &s
}

func compareTimes(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Compare(*b)
}

// revisionAt is a revision and when it was deployed, with its chart
// version, as the storage and the snapshots tell.
type revisionAt struct {
	n            int
	chartVersion string
	at           time.Time
}

// affinity is, for each entry, the revision it is about: its own, else
// the newest revision deployed by then with the chart version its Event
// annotation or its message names (helm-controller writes "chart
// NAME@VERSION"), else the newest revision deployed by then.
func affinity(es []Entry) []int {
	var revs []revisionAt
	for _, e := range es {
		if e.Revision > 0 && e.Time != nil && (e.Source == SourceStorage || e.Source == SourceHistory) {
			revs = append(revs, revisionAt{n: e.Revision, chartVersion: e.ChartVersion, at: e.Time.Truncate(time.Second)})
		}
	}
	out := make([]int, len(es))
	for i, e := range es {
		if e.Revision > 0 || e.Time == nil {
			out[i] = e.Revision
			continue
		}
		at := e.Time.Truncate(time.Second)
		out[i] = newestBy(revs, at, func(r revisionAt) bool { return mentions(e, r.chartVersion) })
		if out[i] == 0 {
			out[i] = newestBy(revs, at, func(revisionAt) bool { return true })
		}
	}
	return out
}

func newestBy(revs []revisionAt, at time.Time, ok func(revisionAt) bool) int {
	best := 0
	for _, r := range revs {
		if !r.at.After(at) && r.n > best && ok(r) {
			best = r.n
		}
	}
	return best
}

// mentions: the entry is about chart version v: its Event annotation, or
// "@v" in its message not followed by more of a version ("@1.0.0" is not
// "@1.0.0-rc.1").
func mentions(e Entry, v string) bool {
	if v == "" {
		return false
	}
	if e.ChartVersion == v {
		return true
	}
	msg, needle := e.Message, "@"+v
	for {
		i := strings.Index(msg, needle)
		if i < 0 {
			return false
		}
		rest := msg[i+len(needle):]
		if rest == "" || !strings.ContainsAny(rest[:1], versionChars) {
			return true
		}
		msg = rest
	}
}

const versionChars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+-_"

package inspect

import (
	"runtime"
	"sync"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Decoded is one object decoded from the API server's JSON, with what could
// not be read.
type Decoded struct {
	Object   *v2.HelmRelease
	Problems []string
}

// Read is the one way from an object as the API server sent it to what
// analysis reads. status, status --watch and force --wait all go through it
// and Decoded.Analyze, so a part of an object that cannot be read becomes the
// same UndecodableField warning everywhere, whichever way it arrived.
func Read(raw []byte) Decoded {
	hr, problems := DecodeJSON(raw)
	return Decoded{Object: hr, Problems: problems}
}

// ReadUnstructured is Read for an object a watch delivered as a map. It goes
// back to JSON rather than converting the map: the two decoders are lenient
// about different things (the JSON one never reads spec.values, for one),
// and a watch must not report what a LIST of the same object does not.
func ReadUnstructured(u *unstructured.Unstructured) Decoded {
	raw, err := u.MarshalJSON()
	if err != nil {
		return Decoded{Object: &v2.HelmRelease{}, Problems: []string{"not a JSON object: " + err.Error()}}
	}
	return Read(raw)
}

// Analyze is the RetryState of the decoded object, with a warning for every
// part that could not be read.
func (d Decoded) Analyze(now time.Time, s Settings) RetryState {
	return withProblems(Analyze(d.Object, now, s), d.Problems)
}

// AnalyzeWith is Analyze with the release's Evidence (its Events).
func (d Decoded) AnalyzeWith(now time.Time, s Settings, ev Evidence) RetryState {
	return withProblems(AnalyzeWith(d.Object, now, s, ev), d.Problems)
}

// AnalyzeBrief is AnalyzeBrief with the release's Evidence (its Events).
func (d Decoded) AnalyzeBrief(now time.Time, s Settings, ev Evidence) RetryState {
	return withProblems(AnalyzeBrief(d.Object, now, s, ev), d.Problems)
}

// WantsEvents: the window of this state is only a bound that the
// release's Events may sharpen (a backoff the object does not count, a
// dependency recheck it does not time, a failed drift correction's
// step); AnalyzeWith takes them.
func (st *RetryState) WantsEvents() bool {
	return st.TimedByEvents() && st.Next.Bound != ""
}

// TimedByEvents: the window of this state comes from the release's Events
// when they are read (WantsEvents when they were not): a live view reads
// them again while it is so, as each attempt adds to them.
func (st *RetryState) TimedByEvents() bool {
	switch st.Next.Rule {
	case RuleErrorBackoff, RuleDependency, RuleDriftRetry:
		return true
	}
	return false
}

// DecodeAll decodes many objects, in order, on every core: decoding is most
// of the cost at fleet scale (about 20 µs for a real object against 4 µs
// for Analyze), and each object is independent.
func DecodeAll(raws [][]byte) []Decoded {
	out := make([]Decoded, len(raws))
	parallel(len(raws), func(i int) {
		out[i] = Read(raws[i])
	})
	return out
}

// AnalyzeDecoded analyzes decoded objects at one clock reading.
func AnalyzeDecoded(objs []Decoded, now time.Time, s Settings) []RetryState {
	out := make([]RetryState, len(objs))
	for i, d := range objs {
		out[i] = d.Analyze(now, s)
	}
	return out
}

// parallel runs f(0..n-1) in contiguous chunks, one per core.
func parallel(n int, f func(int)) {
	workers := min(runtime.GOMAXPROCS(0), max(n/64, 1))
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		wg.Go(func() {
			for i := start; i < end; i++ {
				f(i)
			}
		})
	}
	wg.Wait()
}

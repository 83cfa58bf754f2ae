package inspect

import (
	"fmt"
	"strings"
)

// Filter keeps the states whose phase is selected. The zero Filter keeps
// everything.
type Filter struct {
	phases  map[Phase]bool
	failing bool
}

// NewFilter builds a filter from --phase values (comma-separated, repeatable)
// and --failing (every phase but ready, progressing and suspended). Both
// together keep a state that matches either.
func NewFilter(phaseArgs []string, failing bool) (Filter, error) {
	f := Filter{failing: failing}
	for _, arg := range phaseArgs {
		for _, p := range strings.Split(arg, ",") {
			p = strings.ToLower(strings.TrimSpace(p))
			if p == "" {
				continue
			}
			if !isPhase(Phase(p)) {
				return Filter{}, fmt.Errorf("unknown phase %q: want one of %s", p, phaseList())
			}
			if f.phases == nil {
				f.phases = map[Phase]bool{}
			}
			f.phases[Phase(p)] = true
		}
	}
	return f, nil
}

// Active tells whether the filter selects anything less than everything.
func (f Filter) Active() bool { return f.failing || len(f.phases) > 0 }

// Keep reports whether st passes.
func (f Filter) Keep(st RetryState) bool { return f.KeepPhase(st.Phase) }

// KeepPhase reports whether a state in phase p passes: the filter reads
// nothing else.
func (f Filter) KeepPhase(p Phase) bool {
	if !f.Active() {
		return true
	}
	return f.phases[p] || (f.failing && p.Failing())
}

// Apply returns the states that pass, in order.
func (f Filter) Apply(states []RetryState) []RetryState {
	if !f.Active() {
		return states
	}
	out := states[:0:0]
	for _, st := range states {
		if f.Keep(st) {
			out = append(out, st)
		}
	}
	return out
}

func isPhase(p Phase) bool {
	for _, q := range Phases() {
		if p == q {
			return true
		}
	}
	return false
}

func phaseList() string {
	names := make([]string, 0, len(Phases()))
	for _, p := range Phases() {
		names = append(names, string(p))
	}
	return strings.Join(names, ", ")
}

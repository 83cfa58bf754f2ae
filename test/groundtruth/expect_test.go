package groundtruth

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// expectation: whenever the release is in a state matching Match, the
// plugin must report Phase and Action (the controller's behaviour in that
// state is known from its code and from the measurements). Every
// expectation of a scenario must match at least one observed state and have
// at least one agreeing prediction there, or the scenario fails.
type expectation struct {
	Desc  string
	Match func(*v2.HelmRelease) bool
	// Phase and Action the plugin must report; empty: not checked (the
	// scenario leaves the phase to the plugin, the verdict still checks the
	// action's window).
	Phase   inspect.Phase
	Action  inspect.Action
	Warning string // a warning code the plugin must give too, if set
	// NotSaying: a regular expression the Warning's message must not match
	// (what the plugin must not claim).
	NotSaying string
	// Check: anything else the prediction must satisfy; it returns what is
	// wrong, or "".
	Check func(hr *v2.HelmRelease, p prediction) string
	// WithRequest: it also holds while a reconcile request is pending (a
	// force the controller has not picked up yet); most expectations are
	// about what the controller does unasked.
	WithRequest bool
}

// tally counts, for one expectation, the predictions made on states it
// matched, and those that agreed with it and with what the controller did.
type tally struct{ matched, agreed int }

// applies: the expectation is about the state hr.
func (e expectation) applies(hr *v2.HelmRelease) bool {
	return (e.WithRequest || !requestPending(hr)) && e.Match(hr)
}

// wrong is what the prediction p gets wrong about e, or "".
func (e expectation) wrong(hr *v2.HelmRelease, p prediction) string {
	var why []string
	if e.Phase != "" && p.RS.Phase != e.Phase {
		why = append(why, "phase "+string(e.Phase))
	}
	if e.Action != "" && p.RS.Next.Action != e.Action {
		why = append(why, "next "+string(e.Action))
	}
	if !warns(p.RS, e.Warning) {
		why = append(why, "warning "+e.Warning)
	}
	if e.NotSaying != "" {
		for _, w := range p.RS.Warnings {
			if w.Code == e.Warning && regexp.MustCompile(e.NotSaying).MatchString(w.Message) {
				why = append(why, fmt.Sprintf("warning %s not saying %q (it says %q)", e.Warning, e.NotSaying, w.Message))
			}
		}
	}
	if e.Check != nil {
		if w := e.Check(hr, p); w != "" {
			why = append(why, w)
		}
	}
	if len(why) == 0 {
		return ""
	}
	return "want " + strings.Join(why, ", ")
}

// windowChecked: the prediction is about the next attempt, so it is
// compared with it. A running action's is, when a request was made after
// the running reconcile began (that reconcile read the annotations at its
// start; the request gets a reconcile of its own).
func windowChecked(p prediction, s state, attempts []attempt) bool {
	switch p.RS.Phase {
	case inspect.PhaseProgressing:
		return requestDuringRun(s, attempts)
	case inspect.PhasePending, inspect.PhaseDeleting:
		return false
	}
	return true
}

// requestDuringRun: a reconcile request is pending and was made (its token
// is the request time, as pkg/trigger writes it) after the reconcile under
// way began.
func requestDuringRun(s state, attempts []attempt) bool {
	if !requestPending(s.HR) {
		return false
	}
	token, err := time.Parse(time.RFC3339Nano, s.HR.Annotations[inspect.AnnotationRequestedAt])
	if err != nil {
		return false
	}
	var current *attempt
	for i := range attempts {
		if !attempts[i].At.After(s.At) {
			current = &attempts[i]
		}
	}
	return current != nil && token.After(current.At)
}

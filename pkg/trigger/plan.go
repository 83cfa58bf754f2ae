// Package trigger is the write side of kubectl hrretry: a pure Plan of which
// HelmReleases get which annotations, then Apply, which patches them and
// waits until helm-controller has handled the request, reporting the outcome
// read from each object.
package trigger

import (
	"encoding/json"
	"maps"
	"sort"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// FieldManager owns the annotations this tool writes. It must not start with
// "kubectl": kustomize-controller prunes fields owned by kubectl* managers on
// the objects it manages.
const FieldManager = "hrretry"

// Request is what the user asked for.
type Request struct {
	// Token is the value of every annotation written, as the flux CLI writes
	// it: the request time in RFC3339Nano.
	Token string
	// Force sets reconcile.fluxcd.io/forceAt: a Helm action even when in
	// sync or out of retries.
	Force bool
	// Reset sets reconcile.fluxcd.io/resetAt: the failure counters are
	// cleared, so RemediateOnFailure gets its retries back.
	Reset bool
	// Resume unsuspends a suspended release in the same patch.
	Resume bool
}

// Target is one HelmRelease the selection matched.
type Target struct {
	Namespace, Name string
	Suspended       bool
	Phase           inspect.Phase
}

// Item is the planned change for one HelmRelease.
type Item struct {
	Namespace, Name string
	// Patch is the JSON merge patch: metadata.annotations only, plus
	// spec.suspend=false with Resume.
	Patch []byte `json:"-"`
	// Annotations are the keys and values the patch sets.
	Annotations map[string]string
	// Refused says why the item is not patched ("" when it is).
	Refused string
}

// Plan is the whole change, computed before anything is written.
type Plan struct {
	Request Request
	Items   []Item
}

// NewPlan is pure: the same targets and request always give the same plan.
func NewPlan(targets []Target, req Request) Plan {
	ann := map[string]string{inspect.AnnotationRequestedAt: req.Token}
	if req.Force {
		ann[inspect.AnnotationForceAt] = req.Token
	}
	if req.Reset {
		ann[inspect.AnnotationResetAt] = req.Token
	}
	p := Plan{Request: req, Items: make([]Item, 0, len(targets))}
	for _, t := range targets {
		// Each item owns its map: a caller that edits one item's
		// annotations must not edit every other item's.
		it := Item{Namespace: t.Namespace, Name: t.Name, Annotations: maps.Clone(ann)}
		switch {
		case t.Suspended && !req.Resume:
			// The controller ignores a suspended object: the request would
			// never be handled.
			it.Refused = "suspended: helm-controller ignores it (add --resume to unsuspend in the same patch)"
		case t.Phase == inspect.PhaseDeleting:
			it.Refused = "being deleted"
		default:
			it.Patch = mergePatch(ann, t.Suspended && req.Resume)
		}
		p.Items = append(p.Items, it)
	}
	sort.SliceStable(p.Items, func(i, j int) bool {
		a, b := p.Items[i], p.Items[j]
		return a.Namespace < b.Namespace || (a.Namespace == b.Namespace && a.Name < b.Name)
	})
	return p
}

func mergePatch(ann map[string]string, resume bool) []byte {
	patch := map[string]any{"metadata": map[string]any{"annotations": ann}}
	if resume {
		patch["spec"] = map[string]any{"suspend": false}
	}
	b, _ := json.Marshal(patch) // maps of strings and bools always marshal
	return b
}

// Patched counts the items that will be patched.
func (p Plan) Patched() int {
	n := 0
	for _, it := range p.Items {
		if it.Refused == "" {
			n++
		}
	}
	return n
}

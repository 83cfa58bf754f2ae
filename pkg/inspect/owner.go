package inspect

import (
	"fmt"
	"strings"
)

// Owner is the helm-controller that reconciles a release: on a cluster with
// several (sharded by --watch-label-selector, or one per tenant with
// --watch-all-namespaces=false), each release is judged by its own
// controller's flags, and its queue is that controller's.
type Owner struct {
	// Name is the controller's Deployment, namespace/name.
	Name string `json:"name"`
	// Version is the tag of its image ("v1.6.4"), empty when the image
	// names no tag.
	Version string `json:"version,omitempty"`
}

// Warning codes of ownership.
const (
	// WarnUnwatched: no helm-controller's namespace scope and label
	// selector take the release in; nothing reconciles it.
	WarnUnwatched = "Unwatched"
	// WarnControllerVersion: the release's controller runs a version the
	// rules were not proven on (they mirror v1.6.x).
	WarnControllerVersion = "ControllerVersion"
)

// Unwatched is the sentence NEXT and the warning carry for a release no
// controller selects.
const Unwatched = "no controller watches this release"

// applyOwner is the last hook of Analyze: the release's controller is
// named, a version other than v1.6.x is a warning, and a release no
// controller selects has no next attempt at all (a controller-runtime
// manager caches only the objects its selector and namespaces take in,
// helm-controller v1.6.4 main.go: Cache.ByObject Label, DefaultNamespaces;
// an object outside them is never queued).
func (s Settings) applyOwner(st *RetryState) {
	if s.Owner != nil {
		o := *s.Owner
		st.Controller = &o
		if v := o.Version; v != "" && !ProvenVersion(v) {
			st.Warnings = append(st.Warnings, Warning{Code: WarnControllerVersion, Message: fmt.Sprintf(
				"judged by helm-controller %s (deployment %s): these rules mirror v1.6.x, another version may act otherwise", v, o.Name)})
		}
	}
	if s.Unwatched == "" {
		return
	}
	msg := Unwatched + ": " + s.Unwatched
	st.Next = Next{Action: ActionNone, Unwatched: true, Blocked: msg, Why: msg} // Blocked: --check and wait give up on it
	st.WorkerUntil = nil
	st.queue = queueHint{}
	st.Summary = msg
	st.NextSteps = []Step{{Kind: StepCheck, Effect: "give the release labels a helm-controller's --watch-label-selector takes in (in a namespace it watches), or run a controller that selects it",
		Note: "forcing it does nothing: no controller queues it"}}
	st.Warnings = append(st.Warnings, Warning{Code: WarnUnwatched, Message: msg})
}

// ProvenVersion: the image tag is a v1.6.x release, the version these
// rules mirror and the ground truth runs.
func ProvenVersion(v string) bool {
	v = strings.TrimPrefix(v, "v")
	return v == "1.6" || strings.HasPrefix(v, "1.6.")
}

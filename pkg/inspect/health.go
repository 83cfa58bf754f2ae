package inspect

import (
	"fmt"
	"time"
)

// Health is helm-controller's own state, read from its Deployment's status
// (as kube-controller-manager writes it): whether a replica is available
// to reconcile at all. No window holds while none is: every reconcile runs
// in a running manager (controller-runtime's Controller.Start, which
// helm-controller v1.6.4's main.go starts through mgr.Start), and its work
// queue dies with the process, so nothing is scheduled until one is back.
type Health struct {
	// Down: the Deployment wants replicas and has none available.
	Down bool `json:"down"`
	// Since is when its Available condition last turned False, if it says.
	Since *time.Time `json:"since,omitempty"`
	// Reason says what the Deployment's status shows ("0 of 1 replicas
	// available; rollout stuck: ProgressDeadlineExceeded").
	Reason string `json:"reason,omitempty"`
	// Unknown: the Deployment could not be read (RBAC, not found).
	Unknown bool `json:"unknown,omitempty"`
	// Unsure: read up, but a source that could have shown it down (its
	// pods, its Lease) failed to read this time (a timeout, a server
	// error; not a permission, which fails every time). A live view does
	// not call a controller it saw down back on such a reading.
	Unsure bool `json:"-"`
}

// WarnControllerDown is the warning every scheduled release gets while the
// controller is down.
const WarnControllerDown = "ControllerDown"

// message is the one sentence every prediction carries while down.
func (h Health) message() string {
	since := ""
	if h.Since != nil {
		since = " since " + h.Since.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("controller down%s (%s): nothing happens until it is back", since, h.Reason)
}

// apply is the hook where a prediction is finalised: while the controller
// is down, a scheduled next action is blocked, and says so; the way out
// starts with bringing the controller back (the release's own steps, a
// force included, only take effect once it is).
func (h Health) apply(st *RetryState) {
	if !h.Down || st.Next.Action == ActionNone || st.Next.Action == "" {
		return
	}
	msg := h.message()
	st.Next.Blocked = msg
	st.Warnings = append(st.Warnings, Warning{Code: WarnControllerDown, Message: msg})
	st.NextSteps = append([]Step{{Kind: StepCheck,
		Effect: "bring helm-controller back first: nothing happens to this release until it is, a force included (recorded, handled then)"}},
		st.NextSteps...)
}

package groundtruth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// state is the HelmRelease as one watch event delivered it, stamped with
// the time the event arrived.
type state struct {
	At time.Time
	HR *v2.HelmRelease
}

// prediction is one run of `kubectl-hrretry status -o json` that saw
// states[State] (and nothing newer).
type prediction struct {
	State int
	Ran   time.Time // when the plugin was started: its clock reading is later
	RS    inspect.RetryState
	JSON  []byte
	// Offline: inspect.Analyze run by the test on the recorded object, not
	// the binary on the live one (see stage.predictPending).
	Offline bool
	// Polled: the scenario ran the binary at a chosen moment, not on a new
	// state (see stage.poll); several may see the same state.
	Polled bool
	// Listed: an item of `status -A -o json` (the busy set's sampler, with
	// the controller's load applied); several may see the same state.
	Listed bool
}

// intervention is something the test did to the release or its inputs.
type intervention struct {
	At   time.Time
	What string
	// Supersedes: the controller reacts to it at once (a spec or source
	// change), so predictions made before it no longer apply.
	Supersedes bool
	// OutOfBand: it changes what the next reconcile does, behind the
	// controller's back and out of the plugin's sight (Helm storage or a
	// deployed object changed; the controller watches neither): a
	// `reconcile` predicted before it matches whatever action that
	// reconcile then runs (only its time is checked).
	OutOfBand bool
	// Seen: At is when the watch saw the change (a force's token), not
	// when the test sent it; see supersedes.
	Seen bool
	// Generation: the release's generation the change made (a spec
	// change), 0 if it made none: a state of an older generation predates
	// it, whenever the watch delivered it.
	Generation int64
}

// interventionLag: the time of an intervention is taken before its request
// is sent, and the watch may deliver a controller patch the API server
// applied before it up to this much later: such a state predates the
// change, although it was seen after it.
const interventionLag = time.Second

// supersedes: iv came after the state seen at seen (or may have: see
// interventionLag), so it supersedes that state's prediction.
func (iv intervention) supersedes(s state) bool {
	switch {
	case iv.Generation > 0:
		return s.HR.Generation < iv.Generation
	case iv.Seen:
		return iv.At.After(s.At)
	}
	return iv.At.After(s.At.Add(-interventionLag))
}

// recorder watches one HelmRelease, runs the plugin after every observed
// state change, and keeps the controller's dependency checks from its log.
type recorder struct {
	ns, name           string
	plugin, kubeconfig string
	// listed: the plugin is not run per release; a sampler adds the items
	// of its `status -A` runs (busy set).
	listed bool
	// The controller's --interval-jitter-percentage, and whether its
	// DefaultToRetryOnFailure gate is on: the width budgets need them.
	jitter             int
	defaultRetry       bool
	minDelay, maxDelay time.Duration // --min-retry-delay, --max-retry-delay

	mu            sync.Mutex
	states        []state
	depChecks     []time.Time
	errLogs       []time.Time // "Reconciler error" lines
	polls         []time.Time // when a kept polled run of the binary started (analyzeAll replays them)
	cacheWaits    []time.Time // a reconcile's end after its 10 s cache wait (cacheWaitTimedOut)
	events        []recordedEvent
	preds         []prediction
	interventions []intervention
	errs          []string
	ended         time.Time

	ranOn   int           // the newest state a plugin run has finished on (-1: none)
	changed chan struct{} // one-slot: a state arrived since the last plugin run
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func newRecorder(ns, name, plugin, kubeconfig string) *recorder {
	return &recorder{ns: ns, name: name, plugin: plugin, kubeconfig: kubeconfig, changed: make(chan struct{}, 1), ranOn: -1}
}

// start begins watching (and predicting) until stop.
func (r *recorder) start(ctx context.Context, c client.WithWatch, logs *logRouter) {
	ctx, r.cancel = context.WithCancel(ctx)
	logs.subscribe(r.ns, r.name, func(l logLine) {
		switch {
		case isDependencyCheck(l.Msg):
			r.mu.Lock()
			r.depChecks = append(r.depChecks, l.At)
			r.mu.Unlock()
		case l.Msg == reconcilerError:
			r.mu.Lock()
			r.errLogs = append(r.errLogs, l.At)
			r.mu.Unlock()
		case l.Msg == cacheWaitTimedOut:
			r.mu.Lock()
			r.cacheWaits = append(r.cacheWaits, l.At)
			r.mu.Unlock()
		}
	})
	r.wg.Add(2)
	go func() { defer r.wg.Done(); r.watch(ctx, c) }()
	go func() { defer r.wg.Done(); r.watchEvents(ctx, c) }()
	if !r.listed {
		r.wg.Add(1)
		go func() { defer r.wg.Done(); r.predict(ctx) }()
	}
}

// cacheWaitTimedOut is what HelmReleaseReconciler.Reconcile's defer logs
// when its 10 s poll for the patched history gives up: the reconcile, and
// the worker it holds, ends then.
const cacheWaitTimedOut = "failed to wait for object to sync in-cache after patching"

// settle waits (up to within) for the plugin to have run on the newest
// state, so that a scenario's last state gets its prediction.
func (r *recorder) settle(within time.Duration) {
	if r.listed {
		return // the sampler runs on its own clock
	}
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		r.mu.Lock()
		done := r.ranOn >= len(r.states)-1 && len(r.changed) == 0
		r.mu.Unlock()
		if done {
			return
		}
	}
}

// stop ends the recording; what was recorded stays for the verdict. A
// second call changes nothing (a scenario may stop a recording early).
func (r *recorder) stop(logs *logRouter) {
	r.cancel()
	r.wg.Wait()
	logs.unsubscribe(r.ns, r.name)
	r.mu.Lock()
	if r.ended.IsZero() {
		r.ended = time.Now()
	}
	r.mu.Unlock()
}

// watch stamps every event on arrival and does nothing slow, so the stamps
// are the controller's transition times plus the watch latency.
func (r *recorder) watch(ctx context.Context, c client.WithWatch) {
	rv := ""
	for ctx.Err() == nil {
		w, err := c.Watch(ctx, &v2.HelmReleaseList{}, client.InNamespace(r.ns),
			client.MatchingFields{"metadata.name": r.name}, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: rv}})
		if err != nil {
			r.recordError(fmt.Errorf("watch: %w", err))
			time.Sleep(200 * time.Millisecond)
			continue
		}
		for ev := range w.ResultChan() {
			at := time.Now()
			hr, ok := ev.Object.(*v2.HelmRelease)
			if !ok || (ev.Type != watch.Added && ev.Type != watch.Modified) {
				continue
			}
			rv = hr.ResourceVersion
			r.mu.Lock()
			r.states = append(r.states, state{At: at, HR: hr.DeepCopy()})
			r.mu.Unlock()
			select {
			case r.changed <- struct{}{}:
			default:
			}
		}
		w.Stop()
	}
}

// predict runs the plugin on the newest state each time one arrives. A run
// that overlapped a newer state is dropped (the loop runs again for it).
func (r *recorder) predict(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.changed:
		}
		r.runPlugin(ctx, false)
	}
}

// runPlugin runs `kubectl-hrretry status -o json` on the newest state and
// keeps the prediction unless a newer state arrived, or an unseen reconcile
// was logged, meanwhile. It reports whether it kept it.
func (r *recorder) runPlugin(ctx context.Context, polled bool) bool {
	r.mu.Lock()
	idx := len(r.states) - 1
	r.mu.Unlock()
	if idx < 0 {
		return false
	}
	ran := time.Now()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, r.plugin, "status", r.name, "-n", r.ns, "-o", "json", "--kubeconfig", r.kubeconfig)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return false
	}
	var rs inspect.RetryState
	if err == nil {
		err = json.Unmarshal(out, &rs)
	}
	if err != nil {
		r.recordError(fmt.Errorf("kubectl-hrretry status: %w: %s", err, stderr.String()))
		return false
	}
	done := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ranOn = max(r.ranOn, idx)
	if idx == len(r.states)-1 && sameConditions(r.states[idx].HR, rs) && !r.unseenReconcile(ran, done) {
		r.preds = append(r.preds, prediction{State: idx, Ran: ran, RS: rs, JSON: out, Polled: polled})
		if polled {
			r.polls = append(r.polls, ran)
		}
		return true
	}
	return false
}

// unseenReconcile: a reconcile the watch cannot see (a recheck of a
// dependency, a failure before Helm that changed nothing) was logged between
// from and to, while the release showed that state: like a newer state, it
// makes a plugin run over that time stale. (The log lines of reconciles the
// watch sees are not: their states decide.) Called with r.mu held.
func (r *recorder) unseenReconcile(from, to time.Time) bool {
	unseen := func(lines []time.Time, showing func(*v2.HelmRelease) bool) bool {
		for _, at := range lines {
			if at.Before(from) || at.After(to) {
				continue
			}
			cur := sort.Search(len(r.states), func(i int) bool { return r.states[i].At.After(at) }) - 1
			if cur >= 0 && showing(r.states[cur].HR) {
				return true
			}
		}
		return false
	}
	return unseen(r.depChecks, waitingOnDependency) || unseen(r.errLogs, failedBeforeHelm)
}

func (r *recorder) recordError(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !errors.Is(err, context.Canceled) {
		r.errs = append(r.errs, err.Error())
	}
}

// sameConditions: the plugin read the object the watch delivered (the
// conditions are what changes on every transition).
func sameConditions(hr *v2.HelmRelease, rs inspect.RetryState) bool {
	if len(hr.Status.Conditions) != len(rs.Conditions) {
		return false
	}
	for _, c := range rs.Conditions {
		w := apimeta.FindStatusCondition(hr.Status.Conditions, c.Type)
		if w == nil || string(w.Status) != c.Status || w.Reason != c.Reason || w.Message != c.Message {
			return false
		}
	}
	return true
}

// intervene runs what and records it.
func (r *recorder) intervene(what string, supersedes bool, do func() error) error {
	return r.interveneWith(intervention{What: what, Supersedes: supersedes}, do)
}

// interveneWith records iv (at now) and runs do.
func (r *recorder) interveneWith(iv intervention, do func() error) error {
	iv.At = time.Now()
	r.mu.Lock()
	r.interventions = append(r.interventions, iv)
	r.mu.Unlock()
	return do()
}

// madeGeneration records that the last intervention made generation gen.
func (r *recorder) madeGeneration(gen int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.interventions); n > 0 {
		r.interventions[n-1].Generation = gen
	}
}

// latest is the newest observed object, nil before the first event.
func (r *recorder) latest() *v2.HelmRelease {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.states) == 0 {
		return nil
	}
	return r.states[len(r.states)-1].HR
}

func keyOf(r *recorder) client.ObjectKey { return client.ObjectKey{Namespace: r.ns, Name: r.name} }

// timeline is the recording as text, for a failed scenario's log.
func (r *recorder) timeline() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.states) == 0 {
		return "(nothing observed)"
	}
	var b strings.Builder
	t0 := r.states[0].At
	for _, s := range r.states {
		rec, ready := reconciling(s.HR), apimeta.FindStatusCondition(s.HR.Status.Conditions, "Ready")
		fmt.Fprintf(&b, "%s gen %d/%d", offset(s.At, t0), s.HR.Generation, s.HR.Status.ObservedGeneration)
		if rec != nil {
			fmt.Fprintf(&b, " Reconciling=%s %s %q", rec.Status, rec.Reason, rec.Message)
		}
		if ready != nil {
			fmt.Fprintf(&b, " Ready=%s %s", ready.Status, ready.Reason)
		}
		b.WriteByte('\n')
	}
	for _, at := range r.depChecks {
		fmt.Fprintf(&b, "%s dependency check (log)\n", offset(at, t0))
	}
	for _, at := range r.errLogs {
		fmt.Fprintf(&b, "%s Reconciler error (log)\n", offset(at, t0))
	}
	return b.String()
}

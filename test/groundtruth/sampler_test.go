package groundtruth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// sampler runs `kubectl-hrretry status -A -o json` over and over and hands
// each item to its release's recording as a prediction (recorder.listed):
// the load the plugin applies depends on every release it lists, so a run
// counts only when no release changed while it ran.
type sampler struct {
	plugin, kubeconfig string
	recs               map[string]*recorder // "namespace/name"
	// extra are flags added to every run (the sharded set's pinning check).
	extra []string

	mu      sync.Mutex
	runs    int // runs that returned
	kept    int // runs that no change overlapped
	loads   []loadSample
	errs    []string
	lastRun map[*recorder]prediction // the last prediction added, to skip repeats
	samples []recordedSample         // the kept runs, for the recording (replay)
	shot    *tables                  // `status -A` as people see it, once attempts are queued
	// named counts the `status NAME` runs kept (issue 21: one name judged
	// under the controller's load like a listing); next is the round robin.
	named, next int
}

// tables is `status -A` piped (plain, absolute times) and on a terminal
// (the load line under the table), run once several attempts are queued.
type tables struct {
	At         time.Time
	Piped, TTY string
	Queued     int
	Errs       []string
}

// loadSample is the controllerLoad of one kept run.
type loadSample struct {
	Ran  time.Time
	Load inspect.Load
	// Pending counts the releases not reconciled yet.
	Pending int
}

func newSampler(plugin, kubeconfig string) *sampler {
	return &sampler{plugin: plugin, kubeconfig: kubeconfig, recs: map[string]*recorder{}, lastRun: map[*recorder]prediction{}}
}

func (s *sampler) add(rec *recorder) { s.recs[rec.ns+"/"+rec.name] = rec }

// run samples every `every` (after each run ends) until ctx ends.
func (s *sampler) run(ctx context.Context, every time.Duration) {
	for ctx.Err() == nil {
		s.once(ctx)
		s.onceNamed(ctx)
		s.captureTables(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(every):
		}
	}
}

// listing is what `status -A -o json` prints (render.ListDocument; the
// items' apiVersion, kind and metadata are not needed).
type listing struct {
	ControllerLoad *inspect.Load `json:"controllerLoad"`
	// ControllerLoads: one per controller of a sharded cluster.
	ControllerLoads []inspect.Load       `json:"controllerLoads"`
	Items           []inspect.RetryState `json:"items"`
}

// loads is the listing's load, one per controller.
func (l listing) loads() []inspect.Load {
	if l.ControllerLoad != nil {
		return []inspect.Load{*l.ControllerLoad}
	}
	return l.ControllerLoads
}

// once runs the plugin once and keeps its items if nothing changed meanwhile.
func (s *sampler) once(ctx context.Context) {
	before := s.newest()
	ran := time.Now()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, s.plugin, append([]string{"status", "-A", "-o", "json", "--kubeconfig", s.kubeconfig}, s.extra...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return
	}
	var l listing
	if err == nil {
		err = json.Unmarshal(out, &l)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errs = append(s.errs, fmt.Sprintf("kubectl-hrretry status -A: %v: %s", err, stderr.String()))
		return
	}
	s.runs++
	if len(l.loads()) == 0 {
		s.errs = append(s.errs, "kubectl-hrretry status -A -o json: no controllerLoad(s)")
		return
	}
	if !reflect.DeepEqual(before, s.newest()) {
		return // a release changed during the run: its view of the load may be stale
	}
	preds := map[*recorder]prediction{}
	for _, it := range l.Items {
		rec := s.recs[it.Namespace+"/"+it.Name]
		idx, ok := before[rec]
		if rec == nil || !ok {
			continue // not created by the test yet: nothing to compare
		}
		rec.mu.Lock()
		same := sameConditions(rec.states[idx].HR, it)
		rec.mu.Unlock()
		if !same {
			return // the list read an object the watch has not delivered yet
		}
		item, _ := json.Marshal(it)
		preds[rec] = prediction{State: idx, Ran: ran, RS: it, JSON: item, Listed: true}
	}
	s.kept++
	smp := recordedSample{Ran: ran, States: map[string]int{}}
	for rec, p := range preds {
		smp.States[rec.ns+"/"+rec.name] = p.State
	}
	s.samples = append(s.samples, smp)
	pending := 0
	for _, it := range l.Items {
		if it.Phase == inspect.PhasePending {
			pending++
		}
	}
	for _, ld := range l.loads() {
		s.loads = append(s.loads, loadSample{Ran: ran, Load: ld, Pending: pending})
	}
	for rec, p := range preds {
		if prev, ok := s.lastRun[rec]; ok && prev.State == p.State && sameNext(prev.RS.Next, p.RS.Next) {
			continue // the same state and window: its verdict would be the same
		}
		s.lastRun[rec] = p
		rec.mu.Lock()
		rec.preds = append(rec.preds, p)
		rec.mu.Unlock()
	}
}

// onceNamed runs `status NAME -o json` on one release (round robin) and
// keeps it as a listed prediction: status NAME lists every namespace for the
// controller's load and applies the same queue model, so the busy verdict
// (a queued window, never overdue while every worker is held) holds it to
// the same standard as the items of `status -A`.
func (s *sampler) onceNamed(ctx context.Context) {
	s.mu.Lock()
	var rec *recorder
	keys := make([]string, 0, len(s.recs))
	for k := range s.recs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		rec = s.recs[keys[s.next%len(keys)]]
		s.next++
	}
	s.mu.Unlock()
	if rec == nil {
		return
	}
	before := s.newest()
	idx, ok := before[rec]
	if !ok {
		return
	}
	ran := time.Now()
	out, err := exec.CommandContext(ctx, s.plugin, append([]string{"status", rec.name, "-n", rec.ns, "-o", "json", "--kubeconfig", s.kubeconfig}, s.extra...)...).Output()
	if ctx.Err() != nil {
		return
	}
	var it inspect.RetryState
	if err == nil {
		err = json.Unmarshal(out, &it)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errs = append(s.errs, fmt.Sprintf("kubectl-hrretry status %s: %v", rec.name, err))
		return
	}
	if !reflect.DeepEqual(before, s.newest()) || it.Next.LoadNote != "" {
		return // a release changed during the run, or the load was left out
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if !sameConditions(rec.states[idx].HR, it) {
		return
	}
	s.named++
	rec.preds = append(rec.preds, prediction{State: idx, Ran: ran, RS: it, JSON: out, Listed: true, Polled: true})
}

// newest is, per release, the index of its newest state (releases with no
// state yet are left out).
func (s *sampler) newest() map[*recorder]int {
	out := map[*recorder]int{}
	for _, rec := range s.recs {
		rec.mu.Lock()
		if n := len(rec.states); n > 0 {
			out[rec] = n - 1
		}
		rec.mu.Unlock()
	}
	return out
}

// sameNext: the same action, window, queueing and lateness.
func sameNext(a, b inspect.Next) bool {
	eq := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	return a.Action == b.Action && eq(a.Earliest, b.Earliest) && eq(a.Latest, b.Latest) && a.Queued == b.Queued && a.Overdue == b.Overdue
}

// shotQueued is how many queued attempts the last kept run must show, with
// every release reconciled once, for the tables to be captured.
const shotQueued = 3

// captureTables runs `status -A` piped and on a terminal (script(1) gives
// it one; --color=never keeps escapes out), once, after the first kept run
// that showed shotQueued queued attempts.
func (s *sampler) captureTables(ctx context.Context) {
	s.mu.Lock()
	want := s.shot == nil && len(s.loads) > 0 && s.loads[len(s.loads)-1].Load.Queued >= shotQueued && s.loads[len(s.loads)-1].Pending == 0
	queued := 0
	if want {
		queued = s.loads[len(s.loads)-1].Load.Queued
	}
	s.mu.Unlock()
	if !want {
		return
	}
	shot := &tables{At: time.Now(), Queued: queued}
	piped, err := exec.CommandContext(ctx, s.plugin, "status", "-A", "--kubeconfig", s.kubeconfig).Output()
	if err != nil {
		shot.Errs = append(shot.Errs, fmt.Sprintf("status -A: %v", err))
	}
	tty, err := exec.CommandContext(ctx, "script", "-qec", fmt.Sprintf("stty cols 160 rows 60; %q status -A --color=never --kubeconfig %q", s.plugin, s.kubeconfig), "/dev/null").Output()
	if err != nil {
		shot.Errs = append(shot.Errs, fmt.Sprintf("status -A on a terminal (script): %v", err))
	}
	shot.Piped, shot.TTY = string(piped), strings.ReplaceAll(string(tty), "\r\n", "\n")
	s.mu.Lock()
	s.shot = shot
	s.mu.Unlock()
}

package groundtruth

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// recording is what a ground-truth run observed, enough to score it again
// offline: every release's states with the times the watch saw them, the
// controller's log lines the verdict reads, and what the test did. The
// mutation check replays it through deliberately wrong rules; a run saves
// it (HRRETRY_GT_RECORD) and testdata keeps one from a real run, so
// `go test -run Mutant` needs no controller.
type recording struct {
	// The controller's settings: its flags, as the plugin reads them from
	// its Deployment, and the ones the width budgets use.
	Args     []string          `json:"args"`
	Jitter   int               `json:"jitter"`
	Gates    string            `json:"gates,omitempty"`
	MinDelay time.Duration     `json:"minRetryDelay"`
	MaxDelay time.Duration     `json:"maxRetryDelay"`
	Releases []recordedRelease `json:"releases"`
	// Samples: the busy set's kept `status -A` runs (empty for the main set).
	Samples []recordedSample `json:"samples,omitempty"`
}

// recordedRelease is one recorder's observations.
type recordedRelease struct {
	Scenario      string          `json:"scenario"`
	Namespace     string          `json:"namespace"`
	Name          string          `json:"name"`
	Listed        bool            `json:"listed,omitempty"`
	States        []state         `json:"states"`
	DepChecks     []time.Time     `json:"depChecks,omitempty"`
	ErrLogs       []time.Time     `json:"errLogs,omitempty"`
	Polls         []time.Time     `json:"polls,omitempty"`
	CacheWaits    []time.Time     `json:"cacheWaits,omitempty"`
	Events        []recordedEvent `json:"events,omitempty"`
	Interventions []intervention  `json:"interventions,omitempty"`
	Ended         time.Time       `json:"ended"`
}

// recordedSample is one kept `status -A` run of the busy set: when it ran
// and, per release ("namespace/name"), the state it saw.
type recordedSample struct {
	Ran    time.Time      `json:"ran"`
	States map[string]int `json:"states"`
}

// recorded is r's observations, for a recording. Managed fields are
// dropped: nothing reads them and they are most of the bytes.
func (r *recorder) recorded(scenario string) recordedRelease {
	r.mu.Lock()
	defer r.mu.Unlock()
	rr := recordedRelease{Scenario: scenario, Namespace: r.ns, Name: r.name, Listed: r.listed, DepChecks: r.depChecks,
		ErrLogs: r.errLogs, Polls: r.polls, CacheWaits: r.cacheWaits, Events: r.events, Interventions: r.interventions, Ended: r.ended}
	for _, s := range r.states {
		hr := s.HR.DeepCopy()
		hr.ManagedFields = nil
		rr.States = append(rr.States, state{At: s.At, HR: hr})
	}
	return rr
}

// recorder rebuilds a recorder (without predictions) from rr.
func (rc recording) recorder(rr recordedRelease) *recorder {
	return &recorder{ns: rr.Namespace, name: rr.Name, listed: rr.Listed, jitter: rc.Jitter, defaultRetry: retryGate(rc.Gates),
		minDelay: rc.MinDelay, maxDelay: rc.MaxDelay,
		states: rr.States, depChecks: rr.DepChecks, errLogs: rr.ErrLogs, polls: rr.Polls, cacheWaits: rr.CacheWaits, events: rr.Events,
		interventions: rr.Interventions, ended: rr.Ended, ranOn: -1}
}

// settings are what the plugin reads from the recorded controller's
// Deployment, with mutant set.
func (rc recording) settings(mutant inspect.Mutant) (inspect.Settings, error) {
	s, errs := inspect.DefaultSettings().ApplyArgs(rc.Args)
	if len(errs) > 0 {
		return s, fmt.Errorf("controller flags: %v", errs)
	}
	s.Mutant = mutant
	return s, nil
}

// analyzeAll adds inspect.Analyze's view of every recorded state, at the
// time the watch saw it, to the predictions: a state the binary's run
// missed (overtaken by a newer one, or mid-patch) is scored all the same.
// Listed releases (the busy set) are left to the sampler's replay: their
// windows depend on the other releases.
func (r *recorder) analyzeAll(s inspect.Settings) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.listed {
		return nil
	}
	for i, st := range r.states {
		rs := inspect.AnalyzeWith(st.HR, st.At, s, r.evidenceAt(st.At))
		out, err := json.Marshal(rs)
		if err != nil {
			return err
		}
		r.preds = append(r.preds, prediction{State: i, Ran: st.At, RS: rs, JSON: out, Offline: true})
	}
	// The moments a scenario chose to run the binary (stage.poll, just
	// after a failure the object does not show), on the newest state then:
	// what the cluster showed at a moment no state marks.
	for _, at := range r.polls {
		i := sort.Search(len(r.states), func(k int) bool { return r.states[k].At.After(at) }) - 1
		if i < 0 {
			continue
		}
		rs := inspect.AnalyzeWith(r.states[i].HR, at, s, r.evidenceAt(at))
		out, err := json.Marshal(rs)
		if err != nil {
			return err
		}
		r.preds = append(r.preds, prediction{State: i, Ran: at, RS: rs, JSON: out, Offline: true, Polled: true})
	}
	return nil
}

// replay scores a recording offline under mutant ("" for the rules as
// they are): every state of every release analysed at its own time, and
// the busy set's samples with the load applied, through the same verdict
// as a live run, with the expectations of replayExpectations.
func replay(rc recording, mutant inspect.Mutant) ([]row, error) {
	s, err := rc.settings(mutant)
	if err != nil {
		return nil, err
	}
	recs := make([]*recorder, len(rc.Releases))
	for i, rr := range rc.Releases {
		recs[i] = rc.recorder(rr)
		if err := recs[i].analyzeAll(s); err != nil {
			return nil, err
		}
	}
	if err := rc.replaySamples(recs, s); err != nil {
		return nil, err
	}
	var rows []row
	for i, r := range recs {
		var expect []expectation
		if e, ok := replayExpectations[rc.Releases[i].Scenario]; ok {
			expect = e()
		}
		got, _ := r.verdicts(rc.Releases[i].Scenario, expect)
		rows = append(rows, got...)
	}
	return rows, nil
}

// replaySamples plays the busy set's kept `status -A` runs again: each
// release's recorded state analysed at the run's time, the controller's
// load applied over all of them, as the binary does (repeats of the same
// state and window are checked once, as the sampler does).
func (rc recording) replaySamples(recs []*recorder, s inspect.Settings) error {
	byName := map[string]*recorder{}
	for _, r := range recs {
		byName[r.ns+"/"+r.name] = r
	}
	last := map[*recorder]prediction{}
	for _, smp := range rc.Samples {
		var states []inspect.RetryState
		var owners []*recorder
		var idx []int
		for key, i := range smp.States {
			r := byName[key]
			if r == nil || i >= len(r.states) {
				return fmt.Errorf("sample at %s: no state %d of %s", smp.Ran, i, key)
			}
			states = append(states, inspect.AnalyzeWith(r.states[i].HR, smp.Ran, s, r.evidenceAt(smp.Ran)))
			owners, idx = append(owners, r), append(idx, i)
		}
		inspect.ApplyLoad(states, s, smp.Ran, true)
		for k, rs := range states {
			r := owners[k]
			p := prediction{State: idx[k], Ran: smp.Ran, RS: rs, Listed: true}
			if prev, ok := last[r]; ok && prev.State == p.State && sameNext(prev.RS.Next, p.RS.Next) {
				continue
			}
			last[r] = p
			out, err := json.Marshal(rs)
			if err != nil {
				return err
			}
			p.JSON = out
			r.preds = append(r.preds, p)
		}
	}
	return nil
}

// writeRecording saves rc, gzipped JSON, at path.
func writeRecording(path string, rc recording) error {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if err := json.NewEncoder(zw).Encode(rc); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// readRecording loads a recording writeRecording saved.
func readRecording(path string) (recording, error) {
	var rc recording
	f, err := os.Open(path)
	if err != nil {
		return rc, err
	}
	defer func() { _ = f.Close() }()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return rc, fmt.Errorf("%s: %w", path, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return rc, fmt.Errorf("%s: %w", path, err)
	}
	if err := json.Unmarshal(raw, &rc); err != nil {
		return rc, fmt.Errorf("%s: %w", path, err)
	}
	if len(rc.Args) == 0 || rc.MinDelay <= 0 || rc.MaxDelay <= 0 {
		return rc, fmt.Errorf("%s: no controller flags or retry delays: record it again (HRRETRY_GT_RECORD)", path)
	}
	return rc, nil
}

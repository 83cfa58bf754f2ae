package groundtruth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// forceTimeout is the --timeout every force scenario passes: far longer
// than any attempt they cause, so a timed-out outcome is a finding.
const forceTimeout = "90s"

// forceRun is one run of `kubectl-hrretry force` and what the controller did
// after it.
type forceRun struct {
	Scenario, Release string
	Args              []string
	Start, End        time.Time // the command's start and exit
	Token             string    // the request token the command wrote
	// Patched is when the test's watch first saw the token (zero if never).
	Patched        time.Time
	Stdout, Stderr string
	Code           int
	// Outcome and Message are the fields of the release's line,
	// "NS/NAME  <outcome>  <message>".
	Outcome, Message string
	// Attempt is the first attempt the recording saw start after Start
	// (nil if none).
	Attempt *attempt
	Note    string // what else the scenario found, for the table
}

// force runs the plugin's force on the release with args (after the name,
// namespace and kubeconfig), as an intervention: supersedes says whether
// it changes the release (a refused force writes nothing). The intervention
// takes effect when the watch sees the patch, not when the command starts:
// a state that arrives while the plugin starts up is still the old one, and
// its prediction is superseded like those before it.
func (s *stage) force(rec *recorder, supersedes bool, args ...string) *forceRun {
	s.t.Helper()
	rec.settle(settleWithin)
	fr := &forceRun{Scenario: scenarioName(s), Release: rec.name, Args: args}
	argv := append([]string{"force", rec.name, "-n", s.ns, "--kubeconfig", s.w.cl.kubeconfig}, args...)
	err := func() error {
		var out, errOut bytes.Buffer
		cmd := exec.CommandContext(s.ctx, s.w.bins.plugin, argv...)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		fr.Start = time.Now()
		err := cmd.Run()
		fr.End = time.Now()
		fr.Stdout, fr.Stderr = out.String(), errOut.String()
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			fr.Code = ee.ExitCode()
			return nil
		}
		return err
	}()
	if err != nil {
		s.t.Fatalf("kubectl-hrretry %s: %v\n%s", strings.Join(argv, " "), err, fr.Stderr)
	}
	prefix := s.ns + "/" + rec.name + "  "
	for _, line := range strings.Split(fr.Stdout, "\n") {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			fr.Outcome, fr.Message, _ = strings.Cut(rest, "  ")
		}
	}
	if m := tokenOf.FindStringSubmatch(fr.Stderr); m != nil && supersedes {
		fr.Token = m[1]
		fr.Patched = s.seeToken(rec, fr.Token)
	}
	at := fr.Start
	if !fr.Patched.IsZero() {
		at = fr.Patched.Add(-time.Nanosecond) // the patched state itself is checked
	}
	rec.mu.Lock()
	rec.interventions = append(rec.interventions, intervention{At: at, What: "kubectl hrretry force " + strings.Join(args, " "), Supersedes: supersedes,
		Seen: !fr.Patched.IsZero()})
	rec.mu.Unlock()
	s.t.Logf("force %v: exit %d after %.1fs\nstdout: %sstderr: %s", args, fr.Code, fr.End.Sub(fr.Start).Seconds(), fr.Stdout, fr.Stderr)
	return fr
}

// tokenOf finds the token in the command's "Requesting ... (token T)" line.
var tokenOf = regexp.MustCompile(`\(token ([^)]+)\)`)

// want checks the outcome and exit code of a force, and records the run.
func (s *stage) want(fr *forceRun, outcome string, code int) {
	s.t.Helper()
	if fr.Outcome != outcome || fr.Code != code {
		s.t.Errorf("force %v: outcome %q, exit %d; want %q, exit %d\nstdout: %s\nstderr: %s",
			fr.Args, fr.Outcome, fr.Code, outcome, code, fr.Stdout, fr.Stderr)
	}
	s.w.results.addForce(*fr)
}

// attemptAfter waits (up to within after the force returned: the test's
// watch may see the attempt after the plugin's did) for the first attempt
// that started after the force, and records it in fr.
func (s *stage) attemptAfter(rec *recorder, fr *forceRun, within time.Duration) *attempt {
	s.t.Helper()
	deadline := fr.End.Add(within)
	for {
		for _, a := range rec.attempts() {
			if a.At.After(fr.Start) && !a.Open {
				fr.Attempt = &a
				s.predictPending(rec, fr)
				return &a
			}
		}
		if time.Now().After(deadline) {
			s.t.Errorf("%s: no attempt started after the force %v (attempts %v)", rec.name, fr.Args, actions(rec.attempts()))
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// seeToken is when the watch first delivered the release carrying token,
// waiting a little for it (the plugin's watch may have been faster).
func (s *stage) seeToken(rec *recorder, token string) time.Time {
	s.t.Helper()
	for deadline := time.Now().Add(forceReaction); ; time.Sleep(50 * time.Millisecond) {
		rec.mu.Lock()
		for _, st := range rec.states {
			if st.HR.Annotations[inspect.AnnotationRequestedAt] == token {
				rec.mu.Unlock()
				return st.At
			}
		}
		rec.mu.Unlock()
		if time.Now().After(deadline) {
			s.t.Errorf("%s: the watch never saw the force's token %q", rec.name, token)
			return time.Time{}
		}
	}
}

// predictPending adds to the recording the plugin's analysis of the object
// the force's patch produced, its token not handled yet, as of when the watch
// saw it. The binary's own run on that state is a race it usually loses (the
// controller writes 0.1-1 s after the patch, and a run that overlaps a newer
// state is dropped), so without this most forces would leave the pending
// request unchecked. It is inspect.Analyze on the recorded object, with the
// settings the binary reads from the controller's Deployment.
func (s *stage) predictPending(rec *recorder, fr *forceRun) {
	s.t.Helper()
	settings, errs := inspect.DefaultSettings().ApplyArgs(controllerArgs(jitterPercent(s.t), featureGates(), "", "", idleWorkers))
	if len(errs) > 0 {
		s.t.Fatalf("controller settings: %v", errs)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i, st := range rec.states {
		if st.HR.Annotations[inspect.AnnotationRequestedAt] == fr.Token && st.HR.Status.LastHandledReconcileAt != fr.Token {
			rs := inspect.Analyze(st.HR, st.At, settings)
			out, err := json.MarshalIndent(rs, "", "  ")
			if err != nil {
				s.t.Fatal(err)
			}
			rec.preds = append(rec.preds, prediction{State: i, Ran: st.At, RS: rs, JSON: out, Offline: true})
			return
		}
	}
	s.t.Errorf("%s: no recorded state carries the force's token %q unhandled", rec.name, fr.Token)
}

// attemptsSince counts the attempts that started after t.
func attemptsSince(rec *recorder, t time.Time) []string {
	var out []string
	for _, a := range rec.attempts() {
		if a.At.After(t) {
			out = append(out, a.Action)
		}
	}
	return out
}

// status runs `kubectl-hrretry status -o json` once.
func (s *stage) status(rec *recorder) inspect.RetryState {
	s.t.Helper()
	var rs inspect.RetryState
	out, err := exec.CommandContext(s.ctx, s.w.bins.plugin, "status", rec.name, "-n", s.ns, "-o", "json",
		"--kubeconfig", s.w.cl.kubeconfig).Output()
	if err == nil {
		err = json.Unmarshal(out, &rs)
	}
	if err != nil {
		s.t.Fatalf("kubectl-hrretry status %s: %v", rec.name, err)
	}
	return rs
}

// get reads the release from the API server (not the recording).
func (s *stage) get(rec *recorder) *v2.HelmRelease {
	s.t.Helper()
	hr := &v2.HelmRelease{}
	if err := s.w.cl.c.Get(s.ctx, keyOf(rec), hr); err != nil {
		s.t.Fatal(err)
	}
	return hr
}

func scenarioName(s *stage) string { return strings.TrimPrefix(s.ns, "gt-") }

// addForce records one force run for the second table.
func (r *results) addForce(fr forceRun) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.forces = append(r.forces, fr)
}

// forceTable is the force runs as Markdown.
func (r *results) forceTable() string {
	r.mu.Lock()
	runs := append([]forceRun(nil), r.forces...)
	r.mu.Unlock()
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].Scenario < runs[j].Scenario })
	var b strings.Builder
	b.WriteString("| scenario | release | force flags | outcome | exit | patch seen | attempt after the force | plugin returned after | plugin's message | notes |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, fr := range runs {
		attempt, patched := "none", "none"
		if !fr.Patched.IsZero() {
			patched = offset(fr.Patched, fr.Start)
		}
		if fr.Attempt != nil {
			attempt = fmt.Sprintf("%s at %s", fr.Attempt.Action, offset(fr.Attempt.At, fr.Start))
		}
		fmt.Fprintf(&b, "| %s | %s | `%s` | %s | %d | %s | %s | %s | %s | %s |\n", fr.Scenario, fr.Release, strings.Join(fr.Args, " "),
			fr.Outcome, fr.Code, patched, attempt, offset(fr.End, fr.Start), cell(fr.Message), cell(fr.Note))
	}
	return b.String()
}

// cell keeps a message readable in one table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	if r := []rune(s); len(r) > 160 {
		s = string(r[:160]) + "…"
	}
	return s
}

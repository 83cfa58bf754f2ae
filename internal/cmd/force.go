package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
	"github.com/hrretry/kubectl-hrretry/pkg/trigger"
)

// ForceOptions are the flags and state of `kubectl hrretry force`.
type ForceOptions struct {
	g    *globalOptions
	deps Deps

	sel              selectionFlags
	all              bool
	yes              bool
	confirmThreshold int
	reset            bool
	noForce          bool
	resume           bool
	dryRun           string
	wait             bool
	timeout          time.Duration
	concurrency      int
	ctxFlags         contextFlags
	output           resultOutput

	contexts []string // several clusters (--contexts, --all-contexts); nil: one
	target   target
	term     terminal
	filter   inspect.Filter
	req      trigger.Request
}

const forceExample = `  # Retry a stalled or failing release now, and wait for the outcome
  kubectl hrretry force my-app -n apps

  # Also reset the failure counters: RemediateOnFailure gets its retries back
  kubectl hrretry force my-app -n apps --reset

  # Every release of a team, without waiting
  kubectl hrretry force -A -l team=payments --wait=false

  # Every stalled release in the cluster, with its retries back
  kubectl hrretry force -A --phase stalled --reset --yes

  # A bulk force of about 1,000 releases in seconds: raise the client's rate
  # (kubectl's 5 requests/s would take minutes)
  kubectl hrretry force -A --all --yes --wait=false --qps 500 --burst 1000

  # The stalled releases of several clusters, each patched through its own
  kubectl hrretry force -A --phase stalled --contexts prod-eu,prod-us

  # For a pipeline: each release's outcome as one JSON document (progress on stderr)
  kubectl hrretry force -A --phase stalled --reset --yes -o json`

const forceLong = `Ask helm-controller to act now: sets reconcile.fluxcd.io/requestedAt and
reconcile.fluxcd.io/forceAt to one token (--reset adds reconcile.fluxcd.io/resetAt),
then watches each object until the controller has handled that token and reports
what happened: ready, failed again (with the next retry window), stalled, or
handled without honouring the force/reset (e.g. a dependency is not ready).

The API server is asked at kubectl's client rate (--qps 5, --burst 10): one
patch per release, so for hundreds of releases pass --qps 500 --burst 1000.

Exit codes: 0 every request handled and ready (or patched, with --wait=false);
1 an attempt failed, stalled or timed out, no controller can handle the request
(down, or none watches the release), or an error; 2 bad usage;
3 a request was handled but force/reset not honoured.`

// NewCmdForce builds `force`. runF, when not nil, replaces Run (tests).
func NewCmdForce(g *globalOptions, deps Deps, runF func(*ForceOptions) error) *cobra.Command {
	o := &ForceOptions{g: g, deps: deps}
	cmd := &cobra.Command{
		Use:               "force [NAME...|hr/NAME...] [-n NAMESPACE | -A] [-l SELECTOR] [--all]",
		Short:             "Make helm-controller retry now, and report what happened",
		Long:              spell(deps.name(), forceLong),
		Example:           spell(deps.name(), forceExample),
		RunE:              runE(o, runF),
		ValidArgsFunction: completeNames(g),
	}
	o.sel.addFlags(cmd, "Select")
	f := cmd.Flags()
	f.BoolVar(&o.all, "all", false, "Select every HelmRelease in the namespace (or cluster, with -A)")
	f.BoolVarP(&o.yes, "yes", "y", false, "Do not ask for confirmation")
	f.IntVar(&o.confirmThreshold, "confirm-threshold", 10, "Ask for confirmation (on a terminal) when patching more HelmReleases than this")
	f.BoolVar(&o.reset, "reset", false, "Also reset the failure counters (reconcile.fluxcd.io/resetAt)")
	f.BoolVar(&o.noForce, "no-force", false, "Only request a reconcile (requestedAt), without forcing a Helm action")
	f.BoolVar(&o.resume, "resume", false, "Unsuspend suspended releases in the same patch")
	f.StringVar(&o.dryRun, "dry-run", "none", `"client": print what would be patched; "server": send the patch with dryRun; "none"`)
	f.Lookup("dry-run").NoOptDefVal = "client"
	f.BoolVar(&o.wait, "wait", true, "Wait until the controller has handled the request and report the outcome")
	f.DurationVar(&o.timeout, "timeout", 5*time.Minute, "How long --wait waits")
	f.IntVar(&o.concurrency, "concurrency", 10, "Patches in flight at once (per cluster, with --contexts)")
	o.ctxFlags.addFlags(cmd, g)
	o.output.addFlag(cmd, "each release's outcome")
	return cmd
}

// Complete resolves the target and the request token.
func (o *ForceOptions) Complete(args []string) error {
	var err error
	if o.target, o.filter, err = o.sel.complete(o.g, args); err != nil {
		return err
	}
	if o.contexts, err = o.ctxFlags.resolve(o.g); err != nil {
		return err
	}
	if err := o.output.complete(o.deps.name()); err != nil {
		return err
	}
	o.req = trigger.Request{Token: o.deps.Now().UTC().Format(time.RFC3339Nano), Force: !o.noForce, Reset: o.reset, Resume: o.resume}
	o.term, err = o.g.detectTerminal(o.deps.Streams.Out, o.deps.Getenv)
	return err
}

// Validate refuses a bare selection: a force never touches everything by accident.
func (o *ForceOptions) Validate() error {
	t := o.target
	if len(t.names) == 0 && !o.all && t.labelSelector == "" && t.fieldSelector == "" && !o.filter.Active() {
		return usageErrorf("name the HelmReleases to force, or select them with -l, --field-selector, --phase or --failing, or pass --all")
	}
	if len(t.names) > 0 && o.all {
		return usageErrorf("--all cannot be combined with names")
	}
	switch o.dryRun {
	case "none", "client", "server":
	default:
		return usageErrorf(`--dry-run must be "none", "client" or "server", not %q`, o.dryRun)
	}
	if o.output.set() && (o.dryRun == "client" || o.contexts != nil) {
		return usageErrorf("-o prints the results of patches sent to one cluster: not with --dry-run=client (the plan) or --contexts")
	}
	if o.concurrency < 1 || o.timeout <= 0 {
		return usageErrorf("--concurrency and --timeout must be positive")
	}
	return o.g.validateSelection(&o.sel)
}

// Run fetches the selection, plans, prints the plan, applies and reports.
func (o *ForceOptions) Run(ctx context.Context) error {
	if o.contexts != nil {
		return o.runContexts(ctx)
	}
	client, future, done, err := o.g.open(ctx, o.deps.Streams.ErrOut)
	if err != nil {
		return err
	}
	defer done()
	targets, err := o.targets(ctx, client, o.target, future)
	settle()
	settings := future.judges()
	if err != nil {
		return err
	}
	errOut := o.deps.Streams.ErrOut
	if len(targets) == 0 {
		_, _ = fmt.Fprintln(errOut, render.NoneFound(o.target.namespace, o.target.allNamespaces))
		return nil
	}
	plan := trigger.NewPlan(targets, o.req)
	if o.dryRun == "client" {
		return render.ForcePlan(o.deps.Streams.Out, plan, true)
	}
	_ = render.ForcePlan(errOut, plan, false)
	if err := o.confirm(plan.Patched()); err != nil {
		return err
	}

	lines := o.deps.Streams.Out
	if o.output.set() {
		lines = errOut // stdout is the document's
	}
	results := o.applier(ctx, client, settings, lines, errOut).Apply(ctx, plan)
	_, _ = fmt.Fprintln(errOut, render.ForceSummary(results))
	if o.output.set() {
		if err := render.ForceResults(o.deps.Streams.Out, o.req.Token, sortedResults(results), len(o.target.names) == 1, o.output.out); err != nil {
			return err
		}
	}
	if code := exitCodeFor(results); code != ExitOK {
		return silentError(code)
	}
	return nil
}

// applier patches through client and reports each result on out; with
// --wait it follows the controllers' health while it waits (forceHealth).
func (o *ForceOptions) applier(ctx context.Context, client Cluster, j *judges, out, errOut io.Writer) *trigger.Applier {
	ro := render.Options{Now: o.deps.Now(), Color: o.term.color, Relative: o.term.tty, Command: o.deps.name()}
	a := &trigger.Applier{HelmReleases: client.HelmReleases(), Concurrency: o.concurrency,
		DryRunServer: o.dryRun == "server", Wait: o.wait, Timeout: o.timeout, AllNamespaces: o.target.allNamespaces,
		Now: o.deps.Now, Settings: j.first(), SettingsFor: j.of,
		Report: func(r trigger.Result) {
			ro.Now = o.deps.Now() // a result's window is relative to when it is seen
			_ = render.ForceResult(out, o.explain(r), ro)
		}}
	if o.wait {
		withForceHealth(ctx, a, client, o.g, j, o.deps.Now(), errOut)
	}
	return a
}

// targets fetches and analyzes the selection t.
func (o *ForceOptions) targets(ctx context.Context, client Cluster, t target, settings *settingsFuture) ([]trigger.Target, error) {
	states, err := fetchStates(ctx, client, t, o.sel.chunkSize, o.deps.Now(), settings, nil)
	if err != nil {
		return nil, fmt.Errorf("%w; nothing was patched", err)
	}
	out := make([]trigger.Target, 0, len(states))
	for _, st := range o.filter.Apply(states) {
		out = append(out, trigger.Target{Namespace: st.Namespace, Name: st.Name,
			Suspended: st.Phase == inspect.PhaseSuspended, Phase: st.Phase})
	}
	return out, nil
}

// confirm asks before a large bulk patch. On a non-interactive input it
// never waits for an answer: it refuses and says how to proceed.
func (o *ForceOptions) confirm(n int) error {
	if o.yes || n <= o.confirmThreshold || o.dryRun != "none" {
		return nil
	}
	if !o.term.inTTY {
		return usageErrorf("refusing to patch %d HelmReleases (more than --confirm-threshold=%d) without confirmation: pass --yes", n, o.confirmThreshold)
	}
	_, _ = fmt.Fprintf(o.deps.Streams.ErrOut, "Patch these %d HelmReleases? [y/N] ", n)
	answer, _ := bufio.NewReader(o.deps.Streams.In).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return &exitError{code: ExitFailed, err: fmt.Errorf("aborted: nothing was patched")}
	}
	return nil
}

// explain turns a patch or wait error into the one-sentence form, naming
// the request that failed.
func (o *ForceOptions) explain(r trigger.Result) trigger.Result {
	if r.Err != nil {
		verb, err := "patch", r.Err
		var we *trigger.WaitError
		if errors.As(err, &we) {
			verb, err = we.Verb, we.Err
		}
		r.Err = &apiError{verb: verb, resource: cluster.Resource, namespace: r.Namespace, name: r.Name, err: err}
	}
	return r
}

// exitCodeFor: failures outrank requests not honoured.
func exitCodeFor(results []trigger.Result) int {
	code := ExitOK
	for _, r := range results {
		switch r.Outcome {
		case trigger.OutcomeReady, trigger.OutcomePatched, trigger.OutcomeDryRun:
		case trigger.OutcomeNotHonoured:
			if code == ExitOK {
				code = ExitNotHonoured
			}
		default:
			code = ExitFailed
		}
	}
	return code
}

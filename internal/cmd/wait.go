package cmd

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// WaitOptions are the flags and state of `kubectl hrretry wait`.
type WaitOptions struct {
	g    *globalOptions
	deps Deps

	sel         selectionFlags
	all         bool
	forGoal     string
	timeout     time.Duration
	maxFailures int64
	stuckAfter  time.Duration
	ctxFlags    contextFlags
	output      resultOutput

	contexts []string // several clusters (--contexts, --all-contexts); nil: one
	target   target
	term     terminal // of stderr, where the progress goes
	filter   inspect.Filter
	goal     inspect.Goal
	limits   inspect.Limits
}

const waitExample = `  # In CI, after kubectl apply or a flux push: wait until the new spec is
  # released, and fail as soon as it cannot be
  kubectl hrretry wait my-app -n apps --timeout 10m

  # A chart version, rolled out by a source change (the spec stays the same)
  kubectl hrretry wait my-app -n apps --for version=6.5.0

  # A whole team's releases; give up on RetryOnFailure after 3 failed attempts
  kubectl hrretry wait -A -l team=payments --max-failures 3

  # Until the release is gone (kubectl's --for=delete says the same)
  kubectl hrretry wait hr/old-app -n apps --for deleted

  # kubectl's spelling, and the verdicts as JSON once the wait is over
  kubectl hrretry wait -A -l team=payments --for=condition=Ready -o json

  # The same release in several clusters (progress lines start with [CONTEXT])
  kubectl hrretry wait my-app -n apps --contexts staging,prod-eu,prod-us`

const waitLong = `Wait until every selected HelmRelease reaches a goal, and fail as soon as one
cannot: it predicts, as status does, what helm-controller will do next. It sends
nothing to the controller: one LIST and one WATCH of the namespace (or of all
namespaces with -A); the releases waited for are those selected at the start.

--for is one of:
  ready           Ready=True for the current generation: a Ready left from the
                  previous spec does not count (the default; kubectl's
                  condition=Ready says the same)
  version=X       chart version X deployed, and Ready; compared as semver, so
                  version=0.1.0 matches 0.1.0+9505d804ef85 (a chart built from
                  Git), and version=0.1.0+9505d804ef85 only that build
  revision=N      Helm revision N or later deployed, and Ready
  digest=sha256:… a release with that config, chart or OCI digest, and Ready
  generation=N    the controller has reconciled generation N or later, and Ready
  deleted         the object is gone (kubectl's delete says the same)

It gives up early when the goal cannot be reached without a change: stalled
(RetriesExceeded, MissingRollbackTarget, AccessDenied, ...), suspended, being
deleted, RemediateOnFailure out of retries, and with RetryOnFailure (which never
stalls) more than --max-failures failed attempts or failing for longer than
--stuck-after. The exit line says why, and the way out.

Progress goes to stderr: a live line per release on a terminal, a line per change
with absolute times on a pipe. Standard output gets "NAMESPACE/NAME reached GOAL"
for each release as it gets there.

Exit codes: 0 every release reached the goal; 1 one cannot reach it (the others
are not waited for), was deleted, or --timeout passed, or an error; 2 bad usage;
4 --for ready only: the spec changed while waiting (a newer generation superseded
the one waited for: wait again for the new one); 130 interrupted (Ctrl-C),
143 terminated (SIGTERM).`

// NewCmdWait builds `wait`. runF, when not nil, replaces Run (tests).
func NewCmdWait(g *globalOptions, deps Deps, runF func(*WaitOptions) error) *cobra.Command {
	o := &WaitOptions{g: g, deps: deps}
	cmd := &cobra.Command{
		Use:               "wait [NAME...|hr/NAME...] [-n NAMESPACE | -A] [-l SELECTOR] [--for GOAL]",
		Short:             "Wait until HelmReleases are released, and fail fast when they cannot be",
		Long:              spell(deps.name(), waitLong),
		Example:           spell(deps.name(), waitExample),
		RunE:              runE(o, runF),
		ValidArgsFunction: completeNames(g),
	}
	o.sel.addFlags(cmd, "Wait for")
	f := cmd.Flags()
	f.BoolVar(&o.all, "all", false, "Wait for every HelmRelease in the namespace")
	f.StringVar(&o.forGoal, "for", "ready", "The goal: ready (or condition=Ready), version=X, revision=N, digest=sha256:…, generation=N or deleted (or delete)")
	f.DurationVar(&o.timeout, "timeout", 5*time.Minute, "Give up after this long")
	f.Int64Var(&o.maxFailures, "max-failures", 0, "Give up when more than this many attempts of the current streak failed (0: no limit; RetryOnFailure never stalls)")
	f.DurationVar(&o.stuckAfter, "stuck-after", 0, "Give up when a release has been failing for longer than this (0: no limit)")
	_ = cmd.RegisterFlagCompletionFunc("for", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"ready", "condition=Ready", "version=", "revision=", "digest=sha256:", "generation=", "deleted", "delete"}, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	})
	o.ctxFlags.addFlags(cmd, g)
	o.output.addFlag(cmd, "each release's verdict, once the wait is over,")
	return cmd
}

// Complete resolves the target and the goal.
func (o *WaitOptions) Complete(args []string) error {
	var err error
	if o.target, o.filter, err = o.sel.complete(o.g, args); err != nil {
		return err
	}
	if o.goal, err = inspect.ParseGoal(o.forGoal); err != nil {
		return usageError(err)
	}
	if err := o.output.complete(o.deps.name()); err != nil {
		return err
	}
	if o.contexts, err = o.ctxFlags.resolve(o.g); err != nil {
		return err
	}
	o.limits = inspect.Limits{MaxFailures: o.maxFailures, StuckAfter: o.stuckAfter}
	// One name: ask the server for that object only (the watch too).
	if len(o.target.names) == 1 && o.target.fieldSelector == "" {
		o.target.fieldSelector = "metadata.name=" + o.target.names[0]
	}
	o.term, err = o.g.detectTerminal(o.deps.Streams.ErrOut, o.deps.Getenv)
	return err
}

// Validate refuses a bare namespace (wait for what?) and limits that mean nothing.
func (o *WaitOptions) Validate() error {
	t := o.target
	if len(t.names) == 0 && !o.all && !t.allNamespaces && t.labelSelector == "" && t.fieldSelector == "" && !o.filter.Active() {
		return usageErrorf("name the HelmReleases to wait for, or select them with -l, --field-selector, --phase, --failing, -A or --all")
	}
	if len(t.names) > 0 && o.all {
		return usageErrorf("--all cannot be combined with names")
	}
	if o.timeout <= 0 {
		return usageErrorf("--timeout must be positive")
	}
	if o.output.set() && o.contexts != nil {
		return usageErrorf("-o prints the verdicts of one cluster: not with --contexts")
	}
	if o.maxFailures < 0 || o.stuckAfter < 0 {
		return usageErrorf("--max-failures and --stuck-after must not be negative")
	}
	if o.goal.Kind == inspect.GoalDeleted && (o.maxFailures > 0 || o.stuckAfter > 0) {
		return usageErrorf("--max-failures and --stuck-after judge a release on its way to a goal; a deletion does not fail that way")
	}
	return o.g.validateSelection(&o.sel)
}

// Run lists, watches and judges until every release reached the goal, one
// cannot, or --timeout.
func (o *WaitOptions) Run(ctx context.Context) error {
	if o.contexts != nil {
		return o.runContexts(ctx)
	}
	client, settings, done, err := o.g.open(ctx, o.deps.Streams.ErrOut)
	if err != nil {
		return err
	}
	defer done()
	deadline := o.deps.Now().Add(o.timeout)
	waitCtx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	w := newWaiter(o, settings, deadline)
	w.health = newHealthPoll(waitCtx, client, o.g, o.deps.Now())
	w.evidence = newEvidencePoll(waitCtx, client, o.target, o.deps.Now())
	err = follow(waitCtx, client, o.target, o.sel.chunkSize, frameGap, w)
	switch {
	case ctx.Err() != nil:
		return ctx.Err() // interrupted: main says so
	case w.code >= 0:
		return w.finish()
	case waitCtx.Err() != nil:
		return w.timedOut()
	}
	return err
}

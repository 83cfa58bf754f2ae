package cmd

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// StatusOptions are the flags and state of `kubectl hrretry status`.
type StatusOptions struct {
	g    *globalOptions
	deps Deps

	sel          selectionFlags
	output       string
	sortBy       string
	noHeaders    bool
	watch        bool
	watchTimeout time.Duration
	watchEvents  bool
	helmStorage  bool
	check        bool
	noLoad       bool
	maxFailures  int64
	stuckAfter   time.Duration
	ctxFlags     contextFlags

	contexts []string // several clusters (--contexts, --all-contexts); nil: one
	target   target
	term     terminal
	out      render.Output
	filter   inspect.Filter
}

const statusExample = `  # Every HelmRelease in the cluster, failing ones at a glance
  kubectl hrretry status -A

  # One release in detail: what happened, what happens next and when, the way out
  kubectl hrretry status my-app -n apps

  # For scripts: the documented RetryState schema
  kubectl hrretry status -A -o json

  # A live stream for programs: one JSON object per line per change
  kubectl hrretry status -A --watch -o json | jq -c '{name, phase, next: .next.action}'

  # For cron and alerts: exit 5 when a release is stalled, has failed more
  # than 3 attempts in a row, or has been failing for over an hour
  kubectl hrretry status -A --check --max-failures 3 --stuck-after 1h

  # Several clusters at once, merged into one table with a CONTEXT column
  kubectl hrretry status -A --contexts prod-eu,prod-us --failing`

// NewCmdStatus builds `status`. runF, when not nil, replaces Run (tests).
func NewCmdStatus(g *globalOptions, deps Deps, runF func(*StatusOptions) error) *cobra.Command {
	o := &StatusOptions{g: g, deps: deps}
	cmd := &cobra.Command{
		Use:   "status [NAME...|hr/NAME...] [-n NAMESPACE | -A] [-l SELECTOR]",
		Short: "Show what each HelmRelease will do next, and when",
		Long: `Show what each HelmRelease will do next, and when: the failure strategy in
force, the next attempt's window, and the way out of a stuck state.

With --watch on a terminal the table is redrawn in place and always fits
the window. Too narrow: MESSAGE is cut (to 20 columns), then columns go in
this order: -o wide's, ACTION, STRATEGY, READY, MESSAGE, FAILURES, NAMESPACE;
NAME, PHASE and NEXT stay. Too short: the releases that matter most stay
(overdue, stalled, retrying/remediating/failed, queued, progressing,
waiting, pending, deleting, suspended, ready last) and the last line counts
the others. See docs/live.md.

Exit codes: 0 listed; 1 an error; 2 bad usage; 5 with --check, a selected
release is stuck (stalled, or failing past --max-failures or --stuck-after);
6 with --check --contexts, a cluster could not be read and the others were
(their releases are listed, stuck or not); 130 Ctrl-C, 143 SIGTERM.`,
		Example:           spell(deps.name(), statusExample),
		RunE:              runE(o, runF),
		ValidArgsFunction: completeNames(g),
	}
	o.sel.addFlags(cmd, "List")
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "Output format: "+strings.Join(render.Formats, ", ")+
		" (default: the table, or the detail view for one NAME)")
	f.StringVar(&o.sortBy, "sort-by", "", "Sort by a column ("+strings.Join(render.SortKeys, ", ")+") or a JSONPath such as .next.earliest (default with --failing: next)")
	f.BoolVar(&o.noHeaders, "no-headers", false, "Omit the table header and summary")
	f.BoolVarP(&o.watch, "watch", "w", false, "After listing, watch for changes: the table redraws in place on a terminal (countdowns move), one line per change on a pipe; with -o json one JSON object per line per change")
	f.DurationVar(&o.watchTimeout, "timeout", 0, "With --watch, stop after this long (0: until Ctrl-C)")
	f.BoolVar(&o.watchEvents, "output-watch-events", false, `With --watch and -o json|yaml|name|jsonpath|go-template: each change as a watch event, {"type":"ADDED|MODIFIED|DELETED","object":{...}}, as kubectl does`)
	f.BoolVar(&o.helmStorage, "helm-storage", false, "With NAMEs: read Helm's release Secrets and list what a rollback (last or next) will not undo (needs list on secrets in the storage namespace)")
	f.BoolVar(&o.noLoad, "no-load", false, "With NAMEs: do not list the other HelmReleases to account for the controller's load (their Helm actions holding its workers); the windows then say so")
	f.BoolVar(&o.check, "check", false, "Exit 5 when a selected release is stuck: stalled, or failing past --max-failures or --stuck-after (marked STUCK; stuck and stuckReason in -o json)")
	f.Int64Var(&o.maxFailures, "max-failures", 0, "With --check: stuck when more than this many attempts of the current streak failed (0: no limit)")
	f.DurationVar(&o.stuckAfter, "stuck-after", 0, "With --check: stuck when failing for longer than this (0: no limit)")
	o.ctxFlags.addFlags(cmd, g)
	registerOutputCompletion(cmd)
	return cmd
}

// Complete fills the target and the terminal decisions.
func (o *StatusOptions) Complete(args []string) error {
	var err error
	if o.target, o.filter, err = o.sel.complete(o.g, args); err != nil {
		return err
	}
	if o.out, err = render.ParseOutput(o.output, os.ReadFile); err != nil {
		return usageError(err)
	}
	o.out.Command = o.deps.name()
	if o.sortBy == "" && o.sel.failing {
		o.sortBy = "next" // what fails next, first
	}
	if o.contexts, err = o.ctxFlags.resolve(o.g); err != nil {
		return err
	}
	o.term, err = o.g.detectTerminal(o.deps.Streams.Out, o.deps.Getenv)
	return err
}

// Validate checks the flags.
func (o *StatusOptions) Validate() error {
	if o.watch && len(o.target.names) > 0 {
		return usageErrorf("--watch works on a selection (-n, -A, -l), not on names; use --field-selector metadata.name=NAME")
	}
	if o.watch && o.out.Format != "" && o.out.Format != "wide" && !dataFormats[o.out.Format] {
		return usageErrorf("--watch prints the table, or one document per change with -o json, yaml, name, jsonpath or go-template; not -o %s", o.out.Format)
	}
	if o.watchEvents && (!o.watch || !dataFormats[o.out.Format]) {
		return usageErrorf("--output-watch-events needs --watch and -o json, yaml, name, jsonpath or go-template")
	}
	if o.watchTimeout != 0 && !o.watch {
		return usageErrorf("--timeout ends a watch: give it with --watch (-w)")
	}
	if o.watchTimeout < 0 {
		return usageErrorf("--timeout must not be negative")
	}
	if o.helmStorage && (len(o.target.names) == 0 || o.watch) {
		return usageErrorf("--helm-storage reads each release's Secrets: give NAMEs, without --watch")
	}
	if !o.check && (o.maxFailures != 0 || o.stuckAfter != 0) {
		return usageErrorf("--max-failures and --stuck-after are limits of --check")
	}
	if o.maxFailures < 0 || o.stuckAfter < 0 {
		return usageErrorf("--max-failures and --stuck-after must not be negative")
	}
	if o.check && o.watch {
		return usageErrorf("--check exits on what it lists once; it cannot be combined with --watch")
	}
	if o.contexts != nil && (o.watch || o.helmStorage) {
		return usageErrorf("--watch and --helm-storage read one cluster; they cannot be combined with --contexts or --all-contexts")
	}
	return o.g.validateSelection(&o.sel)
}

// Run fetches, analyzes and renders.
func (o *StatusOptions) Run(ctx context.Context) error {
	boundHeap(o.tableOnly(), min(max(len(o.contexts), 1), contextsInFlight), o.deps.Getenv)
	if o.contexts != nil {
		return o.runContexts(ctx)
	}
	client, settings, done, err := o.g.open(ctx, o.deps.Streams.ErrOut)
	if err != nil {
		return err
	}
	defer done()
	if o.watch {
		j := settings.judges()
		o.note(settings)
		return o.runWatch(ctx, client, j)
	}
	if o.tableOnly() {
		return o.runTable(ctx, client, settings)
	}
	now := o.deps.Now()
	// Not the table (tableOnly): whole states.
	states, fetchErr := fetchStates(ctx, client, o.target, o.sel.chunkSize, now, settings, nil)
	settle()
	if fetchErr != nil && len(states) == 0 {
		return fetchErr // the settings note would only repeat the same failure
	}
	o.note(settings)
	if o.helmStorage {
		// Before the load: addRisks analyzes each named release afresh.
		o.addRisks(ctx, client, states, now, settings.judges())
		if ctx.Err() != nil {
			return ctx.Err() // interrupted: a view without its storage would read as complete
		}
	}
	load, loads := loadView(o.target.withLoad(states, settings.judges(), now))
	if len(o.target.names) > 0 {
		load = loadForNames(ctx, client, states, o.sel.chunkSize, now, settings, o.noLoad)
	}
	states, stuck, err := o.choose(states, now)
	if err != nil {
		return err
	}
	if err := o.print(states, now, load, loads); err != nil {
		return err
	}
	return listExit(fetchErr, stuck, len(states))
}

// listExit is the exit of one cluster listed and printed: the names not
// found, or with --check the stuck releases among those shown.
func listExit(fetchErr error, stuck, shown int) error {
	if fetchErr != nil {
		return fetchErr
	}
	if stuck > 0 {
		return &exitError{code: ExitStuck, err: fmt.Errorf("%d of %d HelmRelease(s) stuck", stuck, shown)}
	}
	return nil
}

// tableOnly: the listing is printed as the table (by a column, not a
// JSONPath that may read any field), so it keeps a compact row a release
// (runTable), and its heap is bounded. A live view keeps every whole
// object to analyze it again as the clock moves, so a bound there only
// runs the collector back to back (issue 26: 77-80 MiB at 5,000 releases,
// over the bound).
func (o *StatusOptions) tableOnly() bool { return o.trim() != nil && !o.watch }

// trim is what a live view's listed state can do without: everything the
// table does not print, when the table is the view (tableOnly's test).
func (o *StatusOptions) trim() func(*inspect.RetryState) {
	table := o.out.Format == "" || o.out.Format == "wide"
	column := o.sortBy == "" || slices.Contains(render.SortKeys, strings.ToLower(o.sortBy))
	if len(o.target.names) > 0 || !table || !column {
		return nil
	}
	return render.TableOnly
}

// choose applies the filters, the sort and, with --check, the limits to
// what was listed (one cluster or several) and counts the stuck releases.
func (o *StatusOptions) choose(states []inspect.RetryState, now time.Time) ([]inspect.RetryState, int, error) {
	states = o.filter.Apply(states)
	if err := render.Sort(states, o.sortBy); err != nil {
		return nil, 0, usageError(err)
	}
	stuck := 0
	if o.check {
		stuck = inspect.Limits{MaxFailures: o.maxFailures, StuckAfter: o.stuckAfter}.Mark(states, now)
	}
	return states, stuck, nil
}

// note prints why the controller's settings are defaults, once, on stderr.
func (o *StatusOptions) note(f *settingsFuture) {
	for _, line := range f.notes() {
		_, _ = fmt.Fprintln(o.deps.Streams.ErrOut, line)
	}
}

// print chooses the view.
func (o *StatusOptions) print(states []inspect.RetryState, now time.Time, load *inspect.Load, loads []inspect.Load) error {
	out := o.deps.Streams.Out
	single := len(o.target.names) == 1
	if o.out.Format != "" && o.out.Format != "wide" {
		printed := o.out
		printed.Load, printed.Loads = load, loads
		return render.Print(out, states, single, printed)
	}
	if len(states) == 0 {
		if len(o.target.names) == 0 {
			_, _ = fmt.Fprintln(o.deps.Streams.ErrOut, render.NoneFound(o.target.namespace, o.target.allNamespaces))
		}
		return nil
	}
	ro := o.renderOptions(now)
	ro.Load, ro.Loads = load, loads
	if single && o.out.Format == "" {
		return render.Detail(out, states[0], ro)
	}
	return render.Table(out, states, ro)
}

// renderOptions are the view decisions, made once from the terminal and flags.
func (o *StatusOptions) renderOptions(now time.Time) render.Options {
	return render.Options{Now: now, Color: o.term.color, Relative: o.term.tty, Width: o.term.width,
		Wide: o.out.Format == "wide", NoHeaders: o.noHeaders, ShowNamespace: o.target.allNamespaces,
		Summary: o.term.tty && !o.noHeaders, Check: o.check, Command: o.deps.name()}
}

// addRisks reads Helm's storage of each named release and puts the
// concrete rollback risks in place of the generic warning. It GETs each
// release again for the object (fetchStates keeps only the states): one
// request per name, and only with --helm-storage. A storage that cannot be
// read is a note on stderr; the state keeps the generic warning.
func (o *StatusOptions) addRisks(ctx context.Context, c Cluster, states []inspect.RetryState, now time.Time, j *judges) {
	for i, st := range states {
		raw, err := c.Get(ctx, st.Namespace, st.Name)
		if err != nil {
			_, _ = fmt.Fprintln(o.deps.Streams.ErrOut, readNote("get", cluster.Resource, st.Namespace, err, "its rollback risks are left out"))
			continue
		}
		d := inspect.Read(raw)
		var note string
		states[i], note = withStorage(ctx, c, d, d.Analyze(now, j.of(d.Object)))
		if note != "" {
			_, _ = fmt.Fprintln(o.deps.Streams.ErrOut, note)
		}
	}
}

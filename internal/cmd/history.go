package cmd

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/history"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// HistoryOptions are the flags and state of `kubectl hrretry history`.
type HistoryOptions struct {
	g    *globalOptions
	deps Deps

	output      string
	helmStorage bool

	target target
	term   terminal
	out    render.Output
}

const historyExample = `  # What the controller did to my-app, in order, and what it does next
  kubectl hrretry history my-app -n apps

  # With every revision in Helm's storage, its hooks and tests, and what a
  # rollback will not undo (reads the release's Secrets)
  kubectl hrretry history my-app -n apps --helm-storage

  # For scripts
  kubectl hrretry history my-app -n apps --helm-storage -o json`

// NewCmdHistory builds `history`. runF, when not nil, replaces Run (tests).
func NewCmdHistory(g *globalOptions, deps Deps, runF func(*HistoryOptions) error) *cobra.Command {
	o := &HistoryOptions{g: g, deps: deps}
	cmd := &cobra.Command{
		Use:   "history NAME [-n NAMESPACE] [--helm-storage] [-o json|yaml]",
		Short: "One timeline of what happened to a HelmRelease, and what a rollback will not undo",
		Long: `history joins, oldest first, the snapshots of status.history, the condition
transitions, the release's Events, the request tokens the controller handled
and, with --helm-storage, every revision in Helm's storage with its hooks and
tests; the last line is what the plugin predicts comes next. With
--helm-storage it also lists what the last or next rollback will not undo.`,
		Example:           spell(deps.name(), historyExample),
		RunE:              runE(o, runF),
		ValidArgsFunction: completeNames(g),
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "Output format: json or yaml (default: the timeline)")
	f.BoolVar(&o.helmStorage, "helm-storage", false, "Also read Helm's release Secrets in the storage namespace (needs list on secrets there)")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"json", "yaml"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// Complete resolves the name and namespace and the terminal decisions.
func (o *HistoryOptions) Complete(args []string) error {
	var err error
	if o.target, err = o.g.completeTarget(args, false, "", ""); err != nil {
		return err
	}
	if o.out, err = render.ParseOutput(o.output, os.ReadFile); err != nil {
		return usageError(err)
	}
	o.term, err = o.g.detectTerminal(o.deps.Streams.Out, o.deps.Getenv)
	return err
}

// Validate checks the flags.
func (o *HistoryOptions) Validate() error {
	if len(o.target.names) != 1 {
		return usageErrorf("history takes one NAME, %d given", len(o.target.names))
	}
	switch o.out.Format {
	case "", "json", "yaml":
	default:
		return usageErrorf("history prints the timeline, json or yaml, not -o %s", o.out.Format)
	}
	return o.g.validateRate()
}

// Run reads every source, builds the report and renders it. A source that
// cannot be read is a note on stderr; the rest is shown.
func (o *HistoryOptions) Run(ctx context.Context) error {
	client, settings, done, err := o.g.open(ctx, o.deps.Streams.ErrOut)
	if err != nil {
		return err
	}
	defer done()
	ns, name := o.target.namespace, o.target.names[0]
	raw, err := client.Get(ctx, ns, name)
	if err != nil {
		return &apiError{verb: "get", resource: cluster.Resource, namespace: ns, name: name, err: err}
	}
	now := o.deps.Now()
	d := inspect.Read(raw)
	in, note := readEvents(ctx, client, ns, name)
	in.Object, in.State = d.Object, d.Analyze(now, settings.judges().of(d.Object))
	in.Notes = appendNote(in.Notes, note)
	if o.helmStorage {
		in.Storage, in.StorageNamespace, note = readStorage(ctx, client, d.Object)
		in.Notes = appendNote(in.Notes, note)
	}
	if ctx.Err() != nil {
		// Interrupted while reading: a source cut short is a note like a
		// forbidden one, and the timeline would read as complete. Print
		// nothing; main says it was interrupted.
		return ctx.Err()
	}
	o.noteSettings(settings)
	report := history.Build(in)
	for _, n := range report.Notes {
		_, _ = fmt.Fprintln(o.deps.Streams.ErrOut, n)
	}
	if o.out.Format != "" {
		return render.HistoryData(o.deps.Streams.Out, report, o.out.Format, o.deps.name())
	}
	return render.History(o.deps.Streams.Out, report, render.Options{Now: now, Color: o.term.color, Relative: o.term.tty, Command: o.deps.name()})
}

func (o *HistoryOptions) noteSettings(f *settingsFuture) {
	for _, line := range f.notes() {
		_, _ = fmt.Fprintln(o.deps.Streams.ErrOut, line)
	}
}

func appendNote(notes []string, note string) []string {
	if note == "" {
		return notes
	}
	return append(notes, note)
}

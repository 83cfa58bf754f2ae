package cmd

import (
	"cmp"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/hrretry/kubectl-hrretry/pkg/render"
	"github.com/hrretry/kubectl-hrretry/pkg/trigger"
)

// resultFormats are the -o values of force and wait, whose output is a
// result per release rather than a state (docs/schema.md).
var resultFormats = []string{"json", "yaml", "name", "jsonpath=", "jsonpath-file=", "go-template=", "go-template-file="}

// resultOutput is the -o flag of force and wait: empty for the lines a
// person reads, else the documents a program reads, on stdout once the
// outcome is known (the progress and the per-release lines go to stderr).
type resultOutput struct {
	flag string
	out  render.Output
}

func (r *resultOutput) addFlag(cmd *cobra.Command, what string) {
	cmd.Flags().StringVarP(&r.flag, "output", "o", "", "Print "+what+" as json, yaml, name, jsonpath=… or go-template=… (docs/schema.md); the progress stays on stderr")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return resultFormats, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	})
}

// complete parses -o; name spells the wayOut of the states printed.
func (r *resultOutput) complete(name string) error {
	var err error
	if r.out, err = render.ParseOutput(r.flag, os.ReadFile); err != nil {
		return usageError(err)
	}
	switch r.out.Format {
	case "", "json", "yaml", "name", "jsonpath", "go-template":
	default:
		return usageErrorf("-o %s is status's; results print as json, yaml, name, jsonpath or go-template", r.out.Format)
	}
	r.out.Command = name
	return nil
}

func (r *resultOutput) set() bool { return r.out.Format != "" }

// sortedResults orders force's results by namespace and name: they arrive
// as the controller handles them, and a document should not depend on that.
func sortedResults(results []trigger.Result) []trigger.Result {
	out := slices.Clone(results)
	slices.SortStableFunc(out, func(a, b trigger.Result) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// printResults writes, with -o, every release's verdict once the wait is
// over (reached, timed out or failed): stdout gets nothing before.
func (w *waiter) printResults() error {
	if !w.o.output.set() {
		return nil
	}
	return render.WaitResults(w.o.deps.Streams.Out, w.o.goal, w.items, len(w.o.target.names) == 1, w.o.output.out)
}

package cmd

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// selectionFlags choose HelmReleases: by namespace, labels and fields on the
// server, then by derived phase on the client (after the LIST).
type selectionFlags struct {
	allNamespaces bool
	labelSelector string
	fieldSelector string
	phases        []string
	failing       bool
	chunkSize     int64
}

func (s *selectionFlags) addFlags(cmd *cobra.Command, verb string) {
	f := cmd.Flags()
	f.BoolVarP(&s.allNamespaces, "all-namespaces", "A", false, verb+" HelmReleases across all namespaces")
	f.StringVarP(&s.labelSelector, "selector", "l", "", "Label selector (e.g. -l team=payments)")
	f.StringVar(&s.fieldSelector, "field-selector", "", "Field selector (e.g. metadata.name=my-app)")
	f.StringSliceVar(&s.phases, "phase", nil, "Only these phases, comma-separated: "+phaseNames())
	f.BoolVar(&s.failing, "failing", false, "Only failing releases: every phase but ready, progressing and suspended")
	f.Int64Var(&s.chunkSize, "chunk-size", 500, "List in pages of this many objects (0: one request)")
	_ = cmd.RegisterFlagCompletionFunc("phase", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return strings.Split(phaseNames(), ", "), cobra.ShellCompDirectiveNoFileComp
	})
}

// complete resolves the namespace and names, and the phase filter.
func (s *selectionFlags) complete(g *globalOptions, args []string) (target, inspect.Filter, error) {
	t, err := g.completeTarget(args, s.allNamespaces, s.labelSelector, s.fieldSelector)
	if err != nil {
		return t, inspect.Filter{}, err
	}
	f, err := inspect.NewFilter(s.phases, s.failing)
	if err != nil {
		return t, f, usageError(err)
	}
	return t, f, nil
}

// validate checks what complete cannot.
func (s *selectionFlags) validate() error {
	if s.chunkSize < 0 {
		return usageErrorf("--chunk-size must not be negative")
	}
	return nil
}

// listOptions is the server-side part of the selection.
func (t target) listOptions(chunkSize int64) cluster.ListOptions {
	return cluster.ListOptions{Namespace: t.namespace, LabelSelector: t.labelSelector,
		FieldSelector: t.fieldSelector, ChunkSize: chunkSize}
}

func phaseNames() string {
	var names []string
	for _, p := range inspect.Phases() {
		names = append(names, string(p))
	}
	return strings.Join(names, ", ")
}

func registerOutputCompletion(cmd *cobra.Command) {
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return render.Formats, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	})
	_ = cmd.RegisterFlagCompletionFunc("sort-by", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return render.SortKeys, cobra.ShellCompDirectiveNoFileComp
	})
}

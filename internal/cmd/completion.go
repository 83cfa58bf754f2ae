package cmd

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// registerCompletions adds dynamic completion of namespaces; names are
// completed by each command's ValidArgsFunction. cobra supplies the
// `completion bash|zsh|fish|powershell` command itself.
func registerCompletions(root *cobra.Command, g *globalOptions) {
	_ = root.RegisterFlagCompletionFunc("namespace", func(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		return completeFromCluster(cmd, g, prefix, func(ctx context.Context, c Cluster) ([]string, error) {
			return c.Namespaces(ctx)
		})
	})
}

// completeNames completes HelmRelease names in the current namespace.
func completeNames(g *globalOptions) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		return completeFromCluster(cmd, g, prefix, func(ctx context.Context, c Cluster) ([]string, error) {
			t, err := g.completeTarget(nil, false, "", "")
			if err != nil {
				return nil, err
			}
			return c.Names(ctx, t.namespace)
		})
	}
}

// completeFromCluster asks the cluster with a short timeout: a slow cluster
// must not freeze the shell.
func completeFromCluster(cmd *cobra.Command, g *globalOptions, prefix string,
	list func(context.Context, Cluster) ([]string, error)) ([]string, cobra.ShellCompDirective) {
	ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
	defer cancel()
	c, err := g.connect()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	all, err := list(ctx, c)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, n := range all {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

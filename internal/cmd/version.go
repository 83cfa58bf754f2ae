package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// VersionOptions are the flags of `version`.
type VersionOptions struct {
	g        *globalOptions
	deps     Deps
	client   bool
	ctxFlags contextFlags
	contexts []string
}

// NewCmdVersion builds `version`: the version, commit and build date set by
// the linker, then the helm-controllers of the cluster (of each cluster
// with --contexts) and their versions, since the predictions mirror
// helm-controller v1.6.x. runF, when not nil, replaces Run (tests).
func NewCmdVersion(g *globalOptions, deps Deps, runF func(*VersionOptions) error) *cobra.Command {
	o := &VersionOptions{g: g, deps: deps}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of " + deps.name(),
		Long: `Print the version of ` + deps.name() + `, then each helm-controller Deployment of
--controller-namespace (several when sharded) with the version of its image
and the releases it selects. The predictions mirror helm-controller v1.6.x:
another version is named in a warning. A cluster that cannot be read is a
note on stderr; --client reads none.`,
		Args: cobra.NoArgs,
		RunE: runE(o, runF),
	}
	cmd.Flags().BoolVar(&o.client, "client", false, "Print the plugin's version only; read no cluster")
	o.ctxFlags.addFlags(cmd, g)
	return cmd
}

// Complete resolves --contexts.
func (o *VersionOptions) Complete([]string) error {
	if o.client {
		return nil
	}
	var err error
	o.contexts, err = o.ctxFlags.resolve(o.g)
	return err
}

// Validate has nothing to check.
func (o *VersionOptions) Validate() error { return nil }

// Run prints the plugin's version, then the controllers.
func (o *VersionOptions) Run(ctx context.Context) error {
	b := o.deps.Build
	out, errOut := o.deps.Streams.Out, o.deps.Streams.ErrOut
	if _, err := fmt.Fprintf(out, "%s %s (commit %s, built %s)\n", binary(o.deps.name()), b.Version, b.Commit, b.Date); err != nil {
		return err
	}
	if o.client {
		return nil
	}
	if o.contexts == nil {
		client, err := o.g.connect()
		if err != nil {
			_, _ = fmt.Fprintln(errOut, "note: the helm-controllers were not read: "+err.Error())
			return nil
		}
		cs := client.Controllers(ctx, o.g.controllerNamespace, o.g.controllerName, o.g.pinned())
		return printControllers(out, errOut, "", cs)
	}
	ms := o.g.members(o.contexts, target{})
	o.g.fanOut(ctx, ms, contextsInFlight, o.ctxFlags.timeout, nil, func(ctx context.Context, _ int, m *member) error {
		m.settings.judges()
		return nil
	})
	for _, m := range ms {
		prefix := render.ContextPrefix(m.context)
		if m.err != nil {
			_, _ = fmt.Fprintln(errOut, prefix+"note: the helm-controllers were not read: "+m.err.Error())
			continue
		}
		if err := printControllers(out, errOut, prefix, m.settings.judges().cs); err != nil {
			return err
		}
	}
	return nil
}

// printControllers writes one line per controller read: "helm-controller
// flux-system/helm-controller-shard1 v1.6.4 (--watch-label-selector ...)",
// and on stderr the note on how they were read and a warning per version
// the rules were not proven on.
func printControllers(out, errOut io.Writer, prefix string, cs cluster.Controllers) error {
	switch {
	case cs.Unread != "":
		_, _ = fmt.Fprintln(errOut, prefix+"note: no helm-controller was read: "+cs.Unread)
	case cs.Note != "":
		_, _ = fmt.Fprintln(errOut, prefix+cs.Note)
	}
	for i := range cs.List {
		c := &cs.List[i]
		if c.Settings.From == "defaults" {
			continue // not read: the note says why
		}
		version := c.Version
		if version == "" {
			version = "(image without a tag)"
		}
		line := fmt.Sprintf("%shelm-controller %s %s", prefix, render.Escape(c.Ref(), false), render.Escape(version, false))
		if scope := scopeText(c); scope != "" {
			line += " (" + scope + ")"
		}
		if _, err := fmt.Fprintln(out, line); err != nil {
			return err
		}
		if c.Version != "" && !inspect.ProvenVersion(c.Version) {
			_, _ = fmt.Fprintf(errOut, "%swarning: helm-controller %s runs %s: the predictions mirror v1.6.x, its releases' windows may be wrong\n",
				prefix, render.Escape(c.Ref(), false), render.Escape(c.Version, false))
		}
	}
	return nil
}

// scopeText is what a controller selects, when not every release.
func scopeText(c *cluster.Controller) string {
	var parts []string
	if c.Selector != "" {
		parts = append(parts, "--watch-label-selector "+render.Escape(c.Selector, false))
	}
	if c.WatchNamespace != "" {
		parts = append(parts, "namespace "+render.Escape(c.WatchNamespace, false)+" only")
	}
	if len(parts) == 2 {
		return parts[0] + ", " + parts[1]
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return ""
}

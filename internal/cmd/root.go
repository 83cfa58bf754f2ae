// Package cmd holds the cobra commands of kubectl hrretry. Each command is an
// Options struct with Complete, Validate and Run (the kubectl pattern); the
// commands turn flags into typed configuration for pkg/inspect, pkg/trigger
// and pkg/render, which never import cobra.
package cmd

import (
	"context"
	"io"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
)

// BuildInfo is set by the linker in main.
type BuildInfo struct {
	Version, Commit, Date string
}

// Deps are the process's dependencies, injected so tests can replace them.
type Deps struct {
	Streams genericiooptions.IOStreams
	Now     func() time.Time
	Getenv  func(string) string
	Build   BuildInfo
	// Name is how the user calls the plugin, "kubectl hrretry" or "flux
	// hrretry" (NameFor): decided once, in main.
	Name string
	// Cluster connects to the API server the flags name (Connect in the
	// binary, a fake in tests).
	Cluster func(genericclioptions.RESTClientGetter, cluster.Rate) (Cluster, error)
}

// globalOptions are the flags every command shares.
type globalOptions struct {
	deps                Deps
	configFlags         *genericclioptions.ConfigFlags
	rate                cluster.Rate
	color               string
	controllerNamespace string
	controllerName      string
	// controllerPinned: --controller-name was given, so that Deployment
	// alone judges every release (no discovery).
	controllerPinned func() bool
	in               io.Reader // standard input, for prompts
	debugRequests    bool
}

// options is the kubectl command pattern: Complete fills in what the flags
// imply, Validate rejects what cannot work, Run acts.
type options interface {
	Complete(args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// runE runs Complete, Validate, then Run, or runF instead of Run when a
// test gave one (the cli/cli hook: the test sees the options as the flags
// left them). A usage error gets pointed at the command's --help.
func runE[O options](o O, runF func(O) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := o.Complete(args)
		if err == nil {
			err = o.Validate()
		}
		switch {
		case err != nil:
		case runF != nil:
			err = runF(o)
		default:
			err = o.Run(cmd.Context())
		}
		return withHelp(cmd, err)
	}
}

// NewRootCmd builds the command tree.
func NewRootCmd(deps Deps) *cobra.Command {
	root, g := newRoot(deps)
	root.AddCommand(
		NewCmdStatus(g, deps, nil),
		NewCmdHistory(g, deps, nil),
		NewCmdForce(g, deps, nil),
		NewCmdWait(g, deps, nil),
		NewCmdVersion(g, deps, nil),
	)
	registerCompletions(root, g)
	return root
}

// newRoot is the root command and the flags every command shares.
func newRoot(deps Deps) (*cobra.Command, *globalOptions) {
	g := &globalOptions{deps: deps, configFlags: genericclioptions.NewConfigFlags(true), in: deps.Streams.In}
	name := deps.name()
	root := &cobra.Command{
		// The binary's name, so `completion bash|zsh|fish` scripts register
		// for it; help shows the annotation's "kubectl hrretry" (or "flux
		// hrretry").
		Use:   binary(name),
		Short: "What every Flux HelmRelease will do next after a failure, when, and how to move it",
		Long: name + ` reads Flux HelmReleases and tells, for each one, what happened,
which failure strategy (RemediateOnFailure or RetryOnFailure) is in force, what
helm-controller will do next and when, and how to get a stuck release moving.`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: name},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(deps.Streams.In)
	root.SetOut(deps.Streams.Out)
	root.SetErr(deps.Streams.ErrOut)

	flags := root.PersistentFlags()
	g.configFlags.AddFlags(flags)
	flags.StringVar(&g.color, "color", "auto", "Colour and box glyphs: auto (on a terminal, unless NO_COLOR is set), always or never")
	flags.StringVar(&g.controllerNamespace, "controller-namespace", "flux-system", "Namespace of the helm-controller Deployment whose settings (jitter, feature gates) are read")
	flags.StringVar(&g.controllerName, "controller-name", "helm-controller", "Name of the helm-controller Deployment; given, it judges every release (otherwise each release is matched to the helm-controller of --controller-namespace whose --watch-label-selector and namespace scope select it)")
	g.controllerPinned = func() bool { return flags.Changed("controller-name") }
	flags.Float32Var(&g.rate.QPS, "qps", cluster.DefaultRate.QPS, "API requests per second once --burst is spent (kubectl's client default)")
	flags.IntVar(&g.rate.Burst, "burst", cluster.DefaultRate.Burst, "API requests sent at once before --qps applies (kubectl's client default)")
	flags.BoolVar(&g.debugRequests, "debug-requests", false, "Print the number of API requests made to stderr")
	_ = flags.MarkHidden("debug-requests")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return withHelp(c, usageError(err)) })
	return root, g
}

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
}

// globalOptions are the flags every command shares.
type globalOptions struct {
	configFlags         *genericclioptions.ConfigFlags
	color               string
	controllerNamespace string
	controllerName      string
	in                  io.Reader // standard input, for prompts
	debugRequests       bool
}

// options is the kubectl command pattern: Complete fills in what the flags
// imply, Validate rejects what cannot work, Run acts.
type options interface {
	Complete(args []string) error
	Validate() error
	Run(ctx context.Context) error
}

func runE(o options) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := o.Complete(args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		return o.Run(cmd.Context())
	}
}

// NewRootCmd builds the command tree.
func NewRootCmd(deps Deps) *cobra.Command {
	g := &globalOptions{configFlags: genericclioptions.NewConfigFlags(true), in: deps.Streams.In}
	root := &cobra.Command{
		// The binary's name, so `completion bash|zsh|fish` scripts register
		// for it; help shows the annotation's "kubectl hrretry".
		Use:   "kubectl-hrretry",
		Short: "What every Flux HelmRelease will do next after a failure, when, and how to move it",
		Long: `kubectl hrretry reads Flux HelmReleases and tells, for each one, what happened,
which failure strategy (RemediateOnFailure or RetryOnFailure) is in force, what
helm-controller will do next and when, and how to get a stuck release moving.`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl hrretry"},
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
	flags.StringVar(&g.controllerName, "controller-name", "helm-controller", "Name of the helm-controller Deployment")
	flags.BoolVar(&g.debugRequests, "debug-requests", false, "Print the number of API requests made to stderr")
	_ = flags.MarkHidden("debug-requests")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })

	root.AddCommand(
		NewCmdStatus(g, deps),
		NewCmdForce(g, deps),
		NewCmdVersion(deps),
	)
	registerCompletions(root, g)
	return root
}

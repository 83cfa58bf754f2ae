package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// contextsInFlight bounds the clusters asked at once: enough for a fleet
// of a dozen to take the time of its slowest cluster (the figure is
// ten), few enough that a kubeconfig of a hundred contexts does not open a
// hundred connections and decode a hundred LISTs at once.
const contextsInFlight = 16

// contextFlags are --contexts and --all-contexts: one command, several
// clusters.
type contextFlags struct {
	names   []string
	all     bool
	timeout time.Duration // --context-timeout
}

// DefaultContextTimeout is --context-timeout's default: how long one
// cluster of --contexts may take to be read (status, force's plan) or to
// answer its first LIST (wait) before it is an error row and the others go
// on. Long enough for a LIST of 20,000 releases across an ocean (a few
// seconds), short enough that a cluster that accepts connections and never
// answers does not hold the fleet's answer for client-go's lack of a limit.
const DefaultContextTimeout = 30 * time.Second

// errContextTimeout is the cause of a cluster's deadline.
var errContextTimeout = errors.New("--context-timeout")

func (c *contextFlags) addFlags(cmd *cobra.Command, g *globalOptions) {
	f := cmd.Flags()
	f.StringSliceVar(&c.names, "contexts", nil, "Several kubeconfig contexts, comma-separated: their clusters are read concurrently and merged (a CONTEXT column; one that fails gets a row saying why, and exit 1)")
	f.BoolVar(&c.all, "all-contexts", false, "Every context of the kubeconfig, as with --contexts")
	f.DurationVar(&c.timeout, "context-timeout", DefaultContextTimeout, "With --contexts: how long each cluster may take to be read (wait: to answer its first LIST) before it fails and the others go on (0: no limit)")
	_ = cmd.RegisterFlagCompletionFunc("contexts", func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return completeContexts(g, toComplete), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	})
}

// completeContexts offers the kubeconfig's contexts for the last item of
// a comma-separated list, leaving out those already in it.
func completeContexts(g *globalOptions, toComplete string) []string {
	raw, err := g.configFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return nil
	}
	typed := strings.Split(toComplete, ",")
	prefix := strings.Join(typed[:len(typed)-1], ",")
	if prefix != "" {
		prefix += ","
	}
	var out []string
	for name := range raw.Contexts {
		if !slices.Contains(typed[:len(typed)-1], name) && strings.HasPrefix(name, typed[len(typed)-1]) {
			out = append(out, prefix+name)
		}
	}
	slices.Sort(out)
	return out
}

// resolve returns the contexts to fan out to, nil for the one cluster of
// --context or the current context.
func (c *contextFlags) resolve(g *globalOptions) ([]string, error) {
	if len(c.names) == 0 && !c.all {
		return nil, nil
	}
	if len(c.names) > 0 && c.all {
		return nil, usageErrorf("--contexts and --all-contexts cannot be combined")
	}
	if g.configFlags.Context != nil && *g.configFlags.Context != "" {
		return nil, usageErrorf("--context names one cluster; it cannot be combined with --contexts or --all-contexts")
	}
	if c.all {
		raw, err := g.configFlags.ToRawKubeConfigLoader().RawConfig()
		if err != nil {
			return nil, fmt.Errorf("reading the kubeconfig: %w", err)
		}
		names := make([]string, 0, len(raw.Contexts))
		for name := range raw.Contexts {
			names = append(names, name)
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("--all-contexts: the kubeconfig has no context")
		}
		slices.Sort(names)
		return names, nil
	}
	var names []string
	for _, n := range c.names {
		n = strings.TrimSpace(n)
		if n == "" {
			return nil, usageErrorf("--contexts: empty context name")
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names, nil
}

// member is one cluster of a multi-cluster run. err is why it could not
// be used, set by fanOut; the other members go on.
type member struct {
	context  string
	flags    *genericclioptions.ConfigFlags
	client   Cluster // nil until fanOut connects
	target   target  // the namespace resolved in this context
	settings *settingsFuture
	err      error
}

// flagsFor is a copy of the connection flags for one context: the same
// kubeconfig, credentials overrides and --request-timeout.
func (g *globalOptions) flagsFor(name string) *genericclioptions.ConfigFlags {
	s := g.configFlags
	cf := genericclioptions.NewConfigFlags(true)
	cf.CacheDir, cf.KubeConfig, cf.ClusterName, cf.AuthInfoName = s.CacheDir, s.KubeConfig, s.ClusterName, s.AuthInfoName
	cf.Namespace, cf.APIServer, cf.TLSServerName, cf.Insecure = s.Namespace, s.APIServer, s.TLSServerName, s.Insecure
	cf.CertFile, cf.KeyFile, cf.CAFile, cf.BearerToken = s.CertFile, s.KeyFile, s.CAFile, s.BearerToken
	cf.Impersonate, cf.ImpersonateUID, cf.ImpersonateGroup = s.Impersonate, s.ImpersonateUID, s.ImpersonateGroup
	cf.ImpersonateUserExtra, cf.Username, cf.Password = s.ImpersonateUserExtra, s.Username, s.Password
	cf.Timeout, cf.DisableCompression, cf.ProxyURL, cf.WrapConfigFn = s.Timeout, s.DisableCompression, s.ProxyURL, s.WrapConfigFn
	cf.Context = &name
	return cf
}

// members are the clusters of a run, not connected yet: fanOut connects
// each in its own goroutine, since loading the kubeconfig and building the
// clients costs CPU that need not run one context after another.
func (g *globalOptions) members(names []string, base target) []*member {
	ms := make([]*member, len(names))
	for i, name := range names {
		ms[i] = &member{context: name, flags: g.flagsFor(name), target: base}
	}
	return ms
}

// connectMember builds m's client, with the namespace its own context names
// (unless -n or -A say otherwise, as kubectl --context does).
func (g *globalOptions) connectMember(m *member) error {
	if !m.target.allNamespaces {
		ns, _, err := m.flags.ToRawKubeConfigLoader().Namespace()
		if err != nil {
			return fmt.Errorf("reading the namespace from the kubeconfig: %w", err)
		}
		m.target.namespace = ns
	}
	var err error
	m.client, err = g.deps.Cluster(m.flags, g.rate)
	return err
}

// fanOut runs fn on every member not failed yet, inFlight at a time, and
// records what fails as the member's err. With timeout (--context-timeout)
// each cluster gets it as a deadline: a cluster that answers slowly, or
// accepts connections and never answers, must not hold the others' table;
// it fails with one sentence naming the flag. onFail, when not nil, is
// called as soon as a member fails (wait's fail-fast).
func (g *globalOptions) fanOut(ctx context.Context, ms []*member, inFlight int, timeout time.Duration,
	onFail func(), fn func(ctx context.Context, i int, m *member) error) {
	sem := make(chan struct{}, max(inFlight, 1))
	var wg sync.WaitGroup
	for i, m := range ms {
		if m.err != nil {
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			cctx, cancel := ctx, context.CancelFunc(func() {})
			if timeout > 0 {
				cctx, cancel = context.WithTimeoutCause(ctx, timeout, errContextTimeout)
			}
			defer cancel()
			m.err = g.runMember(cctx, i, m, fn)
			if m.err != nil && ctx.Err() == nil && errors.Is(context.Cause(cctx), errContextTimeout) {
				m.err = fmt.Errorf("no answer within %s (--context-timeout): the cluster is slow or unreachable; raise --context-timeout to wait longer", timeout)
			}
			if m.err != nil && onFail != nil {
				onFail()
			}
		})
	}
	wg.Wait()
}

// runMember connects m when it is not yet, starts reading its
// controller's settings, and runs fn.
func (g *globalOptions) runMember(ctx context.Context, i int, m *member, fn func(ctx context.Context, i int, m *member) error) error {
	if m.client == nil {
		if err := g.connectMember(m); err != nil {
			return err
		}
	}
	if m.settings == nil {
		m.settings = readSettings(ctx, m.client, g)
	}
	if err := fn(ctx, i, m); err != nil {
		// Failed: its settings are never shown, and a silent cluster
		// would hold the fleet until the read gave up.
		return err
	}
	m.settings.judges() // read under ctx: done before its cancel
	return nil
}

// contextErrors are the members that failed, for the table and -o json.
func contextErrors(ms []*member) []render.ContextError {
	var errs []render.ContextError
	for _, m := range ms {
		if m.err != nil {
			errs = append(errs, render.ContextError{Context: m.context, Message: m.err.Error()})
		}
	}
	return errs
}

// fleetNotes prints, per cluster read, why its controller's settings are
// defaults, and (--debug-requests) its request count.
func (g *globalOptions) fleetNotes(ms []*member, errOut io.Writer) {
	for _, m := range ms {
		prefix := render.ContextPrefix(m.context)
		if m.err == nil && m.settings != nil {
			for _, line := range m.settings.notes() {
				_, _ = fmt.Fprintln(errOut, prefix+line)
			}
		}
		if g.debugRequests && m.client != nil {
			_, _ = fmt.Fprintln(errOut, prefix+m.client.Requests().String())
		}
	}
}

// fleetError prints each failed cluster's sentence on stderr and returns
// the command's error: exit 1, whatever the other clusters said.
func fleetError(ms []*member, errOut io.Writer) error {
	var failed []string
	for _, m := range ms {
		if m.err != nil {
			failed = append(failed, render.Escape(m.context, false))
			_, _ = fmt.Fprintln(errOut, render.ContextPrefix(m.context)+m.err.Error())
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return &exitError{code: ExitFailed, err: fmt.Errorf("%d of %d context(s) failed: %s", len(failed), len(ms), strings.Join(failed, ", "))}
}

package cmd

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/dynamic"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
)

// Cluster is the API access the commands need. *cluster.Client implements it
// against a server; clustertest.Fake implements it over client-go's fakes,
// so every command can run in a unit test.
type Cluster interface {
	// Get returns one HelmRelease as the API server sent it.
	Get(ctx context.Context, namespace, name string) ([]byte, error)
	// List pages through a selection and returns its resourceVersion.
	List(ctx context.Context, o cluster.ListOptions, page func(cluster.Page) error) (string, error)
	// HelmReleases watches and patches.
	HelmReleases() dynamic.NamespaceableResourceInterface
	// Controllers finds the helm-controllers (pinned: the one named only).
	// It never fails: on error it returns one controller with the
	// defaults and a note saying why.
	Controllers(ctx context.Context, namespace, name string, pinned bool) cluster.Controllers
	// Names and Namespaces serve shell completion.
	Names(ctx context.Context, namespace string) ([]string, error)
	Namespaces(ctx context.Context) ([]string, error)
	// Events and CoreEvents list the Events about one HelmRelease through
	// events.k8s.io/v1 and core/v1 (history).
	Events(ctx context.Context, namespace, name string) ([]eventsv1.Event, error)
	CoreEvents(ctx context.Context, namespace, name string) ([]corev1.Event, error)
	// KindEvents lists the core/v1 Events about every HelmRelease in a
	// namespace ("" for all): the evidence of many releases in one request.
	KindEvents(ctx context.Context, namespace string) ([]corev1.Event, error)
	// ReleaseSecrets lists Helm's storage Secrets of one release, every
	// revision (--helm-storage).
	ReleaseSecrets(ctx context.Context, namespace, release string) ([]corev1.Secret, error)
	// Requests counts what was sent, for --debug-requests.
	Requests() *cluster.RequestCounter
}

// Connect is the Deps.Cluster of the binary: a client for the kubeconfig
// the flags name, bounded by rate.
func Connect(getter genericclioptions.RESTClientGetter, rate cluster.Rate) (Cluster, error) {
	cfg, err := getter.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	cfg.UserAgent = "kubectl-hrretry"
	return cluster.New(cfg, rate)
}

// connect builds the client for one command run.
func (g *globalOptions) connect() (Cluster, error) {
	return g.deps.Cluster(g.configFlags, g.rate)
}

// open is every command's prologue: connect, start reading the
// controller's settings beside the first request, and return what the
// command defers (the request count, with --debug-requests).
func (g *globalOptions) open(ctx context.Context, errOut io.Writer) (Cluster, *settingsFuture, func(), error) {
	client, err := g.connect()
	if err != nil {
		return nil, nil, nil, err
	}
	return client, readSettings(ctx, client, g), func() { g.reportRequests(client, errOut) }, nil
}

// validateSelection is the end of every listing command's Validate: the
// selection flags, then the client's rate.
func (g *globalOptions) validateSelection(sel *selectionFlags) error {
	if err := sel.validate(); err != nil {
		return err
	}
	return g.validateRate()
}

// validateRate refuses a rate client-go would turn into no limit (QPS < 0)
// or into a limiter that refuses every request (Burst < 1).
func (g *globalOptions) validateRate() error {
	if g.rate.QPS <= 0 || g.rate.Burst < 1 {
		return usageErrorf("--qps and --burst must be positive")
	}
	return nil
}

// pinned: --controller-name was given.
func (g *globalOptions) pinned() bool {
	return g.controllerPinned != nil && g.controllerPinned()
}

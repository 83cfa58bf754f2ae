package main

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
	"github.com/hrretry/kubectl-hrretry/test/fixtures/charts"
	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
	"github.com/hrretry/kubectl-hrretry/test/fixtures/helmcontroller"
)

// world is the running demo: an admin client and the chart server.
type world struct {
	c      client.Client
	charts *charts.Server
}

func newWorld(cp *controlplane.ControlPlane, srv *charts.Server) (*world, error) {
	c, err := fixtures.NewClient(cp.Admin)
	if err != nil {
		return nil, err
	}
	return &world{c: c, charts: srv}, nil
}

// publishSettings writes flux-system/helm-controller with the controller's
// arguments: the plugin reads them from there, as in a cluster.
func (w *world) publishSettings(ctx context.Context, args []string) error {
	if err := fixtures.EnsureNamespace(ctx, w.c, helmcontroller.Namespace); err != nil {
		return err
	}
	if err := w.c.Create(ctx, helmcontroller.Deployment(args)); err != nil {
		return fmt.Errorf("creating the helm-controller Deployment: %w", err)
	}
	return nil
}

// reportAvailability writes the Deployment's status as kube-controller-
// manager would: one replica available now, none once the process has
// exited (killed by hand to see what the plugin says, or at demo-down).
func (w *world) reportAvailability(ctx context.Context, ctl *helmcontroller.Controller) {
	if err := helmcontroller.WriteAvailability(ctx, w.c, true, time.Now()); err != nil {
		log.Print(err)
	}
	go func() {
		<-ctl.Exited()
		// Its own context: the demo's may be ending, the API server not yet.
		wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := helmcontroller.WriteAvailability(wctx, w.c, false, time.Now()); err != nil {
			log.Printf("helm-controller exited; %v", err)
		}
	}()
}

// apply publishes each release's chart as 0.1.0 and creates the release.
func (w *world) apply(ctx context.Context, rs []release) error {
	for _, r := range rs {
		if err := fixtures.EnsureNamespace(ctx, w.c, r.ns); err != nil {
			return err
		}
		if err := w.charts.Publish(ctx, w.c, r.ns, r.name, r.chart, "0.1.0"); err != nil {
			return err
		}
		hr, err := r.object()
		if err != nil {
			return err
		}
		if err := w.c.Create(ctx, hr); err != nil {
			return fmt.Errorf("creating HelmRelease %s/%s: %w", r.ns, r.name, err)
		}
	}
	return nil
}

// untilFirstStates polls the releases until each has reached its first
// state, taking each one's next step once it is first ready.
func (w *world) untilFirstStates(ctx context.Context, rs []release, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stepped := map[string]bool{}
	reached := map[string]bool{}
	for {
		for _, r := range rs {
			key := r.ns + "/" + r.name
			if reached[key] {
				continue
			}
			hr := &v2.HelmRelease{}
			if err := w.c.Get(ctx, client.ObjectKey{Namespace: r.ns, Name: r.name}, hr); err != nil {
				return w.notReached(rs, reached, err)
			}
			if r.then != none && !stepped[key] && isReady(hr) {
				if err := w.step(ctx, r, hr); err != nil {
					return err
				}
				stepped[key] = true
				continue
			}
			if (r.then == none || stepped[key]) && r.done(hr) {
				reached[key] = true
				log.Printf("%s: %s", key, r.first)
			}
		}
		if len(reached) == len(rs) {
			return nil
		}
		select {
		case <-ctx.Done():
			return w.notReached(rs, reached, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// step moves r on, as a user or Flux would.
func (w *world) step(ctx context.Context, r release, hr *v2.HelmRelease) error {
	switch r.then {
	case newVersion:
		log.Printf("%s/%s: publishing %s 0.2.0", r.ns, r.name, r.chart)
		return w.charts.Publish(ctx, w.c, r.ns, r.name, r.chart, "0.2.0")
	case suspend:
		log.Printf("%s/%s: suspending it", r.ns, r.name)
		base := hr.DeepCopy()
		hr.Spec.Suspend = true
		return w.c.Patch(ctx, hr, client.MergeFrom(base))
	}
	return nil
}

// notReached says which releases did not get to their first state.
func (w *world) notReached(rs []release, reached map[string]bool, err error) error {
	var missing []string
	for _, r := range rs {
		if !reached[r.ns+"/"+r.name] {
			missing = append(missing, fmt.Sprintf("%s/%s (%s)", r.ns, r.name, r.first))
		}
	}
	return fmt.Errorf("waiting for the releases' first states: %w; not reached: %s", err, strings.Join(missing, ", "))
}

package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
)

// seed creates n HelmReleases across 50 namespaces, cycling through every
// state the fixtures know, each with the status helm-controller leaves.
func seed(ctx context.Context, cp *controlplane.ControlPlane, n int) error {
	c, err := fixtures.NewClient(cp.Admin)
	if err != nil {
		return err
	}
	states := []fixtures.State{fixtures.Ready, fixtures.Ready, fixtures.Ready, fixtures.Retrying, fixtures.InstallRetrying,
		fixtures.Remediating, fixtures.Stalled, fixtures.StallTrap, fixtures.Suspended, fixtures.InProgress,
		fixtures.NeverReconciled, fixtures.ValuesError}
	for ns := 0; ns < 50; ns++ {
		if err := fixtures.EnsureNamespace(ctx, c, fmt.Sprintf("team-%02d", ns)); err != nil {
			return err
		}
	}
	var g errgroup.Group
	g.SetLimit(16)
	now := time.Now()
	for i := 0; i < n; i++ {
		r := fixtures.Release{Name: fmt.Sprintf("app-%05d", i), Namespace: fmt.Sprintf("team-%02d", i%50),
			State: states[i%len(states)], Labels: map[string]string{"bench": "true"}}
		g.Go(func() error {
			_, err := fixtures.Create(ctx, c, r, now)
			return err
		})
		if i%1000 == 999 {
			fmt.Fprintf(os.Stderr, "bench: seeded %d/%d\n", i+1, n)
		}
	}
	return g.Wait()
}

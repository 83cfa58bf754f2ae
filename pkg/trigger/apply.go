package trigger

import (
	"context"
	"sync"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// Applier writes a Plan and, with Wait, watches until each object's request
// has been handled. Results go to Report as they are known, one call at a
// time, so a command can print one line per object as it happens.
type Applier struct {
	// HelmReleases patches, lists and watches the objects (client-go's
	// dynamic client, or its fake in tests).
	HelmReleases dynamic.NamespaceableResourceInterface
	// Concurrency bounds the patches in flight.
	Concurrency int
	// DryRunServer sends the patches with dryRun=All: validated, not stored.
	DryRunServer bool
	Wait         bool
	Timeout      time.Duration
	// AllNamespaces watches with one cluster-wide watch instead of one per
	// namespace.
	AllNamespaces bool
	Now           func() time.Time
	Settings      inspect.Settings
	// SettingsFor, when set, gives each release the settings of its own
	// controller (a sharded cluster) instead of Settings.
	SettingsFor func(*v2.HelmRelease) inspect.Settings
	Report      func(Result)
	// Recheck, when set, is called every RecheckEvery while the wait goes
	// on; when it says the settings changed (a controller went down or came
	// back: SettingsFor now answers otherwise), each release still pending
	// is judged again from the last object seen. Nothing else would: a
	// stopped controller writes no status, so no watch event comes, and the
	// wait ran to --timeout.
	Recheck      func(now time.Time) bool
	RecheckEvery time.Duration
}

// settings is what d is judged by.
func (a *Applier) settings(d inspect.Decoded) inspect.Settings {
	if a.SettingsFor != nil {
		return a.SettingsFor(d.Object)
	}
	return a.Settings
}

// Apply runs the plan and returns one result per item, in plan order.
func (a *Applier) Apply(ctx context.Context, p Plan) []Result {
	results := make([]Result, len(p.Items))
	rep := &reporter{report: a.Report}
	patched := a.patchAll(ctx, p, results, rep)
	if a.Wait && !a.DryRunServer && len(patched) > 0 {
		a.waitAll(ctx, p.Request, patched, results, rep)
	}
	return results
}

// patchAll sends the patches with bounded concurrency and returns the
// indexes of the items patched.
func (a *Applier) patchAll(ctx context.Context, p Plan, results []Result, rep *reporter) []int {
	var g errgroup.Group
	g.SetLimit(max(a.Concurrency, 1))
	var mu sync.Mutex
	var patched []int
	opts := metav1.PatchOptions{FieldManager: FieldManager}
	if a.DryRunServer {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	for i, it := range p.Items {
		if it.Refused != "" {
			results[i] = Result{Namespace: it.Namespace, Name: it.Name, Outcome: OutcomeRefused, Message: it.Refused}
			rep.send(results[i])
			continue
		}
		g.Go(func() error {
			_, err := a.HelmReleases.Namespace(it.Namespace).Patch(ctx, it.Name, types.MergePatchType, it.Patch, opts)
			r := Result{Namespace: it.Namespace, Name: it.Name, Outcome: OutcomePatched,
				Message: "request sent; not waiting for the controller (--wait=false)"}
			switch {
			case err != nil:
				r.Outcome, r.Err = OutcomeError, err
			case a.DryRunServer:
				r.Outcome, r.Message = OutcomeDryRun, "accepted by the server (dry run), nothing stored"
			}
			results[i] = r
			if err == nil && !a.DryRunServer && a.Wait {
				mu.Lock()
				patched = append(patched, i)
				mu.Unlock()
				return nil
			}
			rep.send(r)
			return nil
		})
	}
	_ = g.Wait() // every error is recorded in its result
	return patched
}

// reporter serialises Report calls.
type reporter struct {
	mu     sync.Mutex
	report func(Result)
}

func (r *reporter) send(res Result) {
	if r.report == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.report(res)
}

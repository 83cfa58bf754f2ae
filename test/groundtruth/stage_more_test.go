package groundtruth

import (
	"encoding/json"
	"fmt"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// publishFix serves a new chart version: the controller reconciles at once
// (its OCIRepository watch), so it supersedes the predictions before it.
func (s *stage) publishFix(rec *recorder, source, dir, version string) {
	s.t.Helper()
	rec.settle(settleWithin)
	err := rec.intervene(fmt.Sprintf("chart %s %s served", dir, version), true, func() error {
		return s.w.charts.publish(s.ctx, s.w.cl.c, s.ns, source, dir, version)
	})
	if err != nil {
		s.t.Fatal(err)
	}
}

// deleteRelease deletes the HelmRelease and waits until it is gone.
func (s *stage) deleteRelease(rec *recorder) {
	s.t.Helper()
	hr := &v2.HelmRelease{}
	hr.Namespace, hr.Name = rec.ns, rec.name
	if err := s.w.cl.c.Delete(s.ctx, hr); err != nil {
		s.t.Fatalf("deleting %s: %v", rec.name, err)
	}
	for deadline := time.Now().Add(attemptTimeout(1)); ; time.Sleep(200 * time.Millisecond) {
		if err := s.w.cl.c.Get(s.ctx, keyOf(rec), &v2.HelmRelease{}); client.IgnoreNotFound(err) == nil && err != nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s was not deleted", rec.name)
		}
	}
}

// requestForce writes a forced reconcile request as pkg/trigger does
// (requestedAt and forceAt set to the same RFC3339Nano token), records it as
// an intervention, and adds inspect.Analyze's prediction on the state the
// watch saw with the token unhandled (the binary's own run is a race it
// often loses; see stage.predictPending). It returns the token and when the
// watch saw it.
func (s *stage) requestForce(rec *recorder) (string, time.Time) {
	s.t.Helper()
	rec.settle(settleWithin)
	token := time.Now().UTC().Format(time.RFC3339Nano)
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{
		inspect.AnnotationRequestedAt: token, inspect.AnnotationForceAt: token}}})
	if err != nil {
		s.t.Fatal(err)
	}
	hr := &v2.HelmRelease{}
	hr.Namespace, hr.Name = rec.ns, rec.name
	if err := s.w.cl.c.Patch(s.ctx, hr, client.RawPatch(types.MergePatchType, patch)); err != nil {
		s.t.Fatalf("requesting a force: %v", err)
	}
	fr := &forceRun{Token: token}
	fr.Patched = s.seeToken(rec, token)
	rec.mu.Lock()
	rec.interventions = append(rec.interventions, intervention{At: fr.Patched.Add(-time.Nanosecond), What: "force requested (annotations)", Supersedes: true, Seen: true})
	rec.mu.Unlock()
	s.predictPending(rec, fr)
	return token, fr.Patched
}

// viewKept runs the plugin on the release's newest state (a polled view)
// until a run is kept (no newer state and no unseen reconcile while it
// ran), for up to within: for a state the controller keeps rewriting
// unseen, such as a failure before Helm under the error backoff, once the
// backoff step is longer than a run.
func (s *stage) viewKept(rec *recorder, what string, within time.Duration) {
	s.t.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(200 * time.Millisecond) {
		if rec.runPlugin(s.ctx, true) {
			return
		}
		if time.Now().After(deadline) || s.ctx.Err() != nil {
			s.t.Fatalf("%s: no plugin run on %s was kept within %s", rec.name, what, within)
		}
	}
}

package groundtruth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	authzv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/history"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// The history scenario runs `kubectl hrretry history --helm-storage` on a
// release the real controller upgraded, failed and rolled back.
func historyScenarios() []scenario {
	return []scenario{{"32-history-rollback", historyRollback}}
}

// historySpec: Helm does not wait for the PVC (no provisioner) nor the
// Deployment (no kubelet); hooks are always waited for, so the upgrade
// fails on its pre-upgrade Job, and its failure is rolled back once.
const historySpec = `
install: {disableWait: true}
upgrade:
  disableWait: true
  strategy: {name: RemediateOnFailure}
  remediation: {retries: 0, remediateLastFailure: true}
rollback: {disableWait: true}
`

// userNoSecrets is impersonated (--as) by the plugin: it may read the
// release and its Events, not Secrets.
const userNoSecrets = "gt-no-secrets"

// 18: history-v1 installs; history-v2's migration hook times out, the
// upgrade fails and is rolled back. history --helm-storage shows the
// revisions and Events in the order the controller made them (as the
// watch recorded them), and the rollback risks name the hook Job, the PVC
// and the CRD. A user without list secrets gets the sentence and the rest.
func historyRollback(s *stage) {
	s.publish("app", "history-v1", "0.1.0")
	rec := s.release("app", spec("app", "1h", historySpec))
	s.waitFor(rec, "the install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return ready(hr) })
	err := rec.intervene("chart 0.2.0 with a migration hook", true, func() error {
		return s.w.charts.publish(s.ctx, s.w.cl.c, s.ns, "app", "history-v2", "0.2.0")
	})
	if err != nil {
		s.t.Fatal(err)
	}
	s.waitFor(rec, "the rollback", attemptTimeout(2), func(hr *v2.HelmRelease, _ []attempt) bool {
		c := apimeta.FindStatusCondition(hr.Status.Conditions, "Remediated")
		return c != nil && c.Reason == v2.RollbackSucceededReason && reconciling(hr) == nil
	})
	s.hold(3 * time.Second) // the last Events land

	var r history.Report
	out := s.plugin("history", "app", "--helm-storage", "-o", "json")
	if err := json.Unmarshal(out, &r); err != nil {
		s.t.Fatalf("history -o json: %v\n%s", err, out)
	}
	s.wantStorage(r)
	// The chart's templates set no namespace: the risks name the objects
	// as the manifest does.
	s.wantRisks(r, "Job/app-db-migrate", "PersistentVolumeClaim/app-data", "CustomResourceDefinition/widgets.gt.hrretry.io")
	s.wantWatchOrder(rec, r)
	text := s.plugin("history", "app", "--helm-storage")
	s.t.Logf("kubectl hrretry history app -n %s --helm-storage:\n%s", s.ns, text)
	if path := os.Getenv("HRRETRY_GT_HISTORY"); path != "" {
		_ = os.WriteFile(path, text, 0o644)
	}

	s.grantNoSecrets()
	limited, stderr := s.pluginErr("--as", userNoSecrets, "history", "app", "--helm-storage")
	if want := "forbidden: you may not list secrets in namespace " + s.ns; !strings.Contains(stderr, want) {
		s.t.Errorf("as %s: stderr lacks %q:\n%s", userNoSecrets, want, stderr)
	}
	if !strings.Contains(string(limited), "UpgradeFailed") || strings.Contains(string(limited), "What the rollback") {
		s.t.Errorf("as %s: want the Events and no storage:\n%s", userNoSecrets, limited)
	}
	s.wantActions(rec, "install", "upgrade")
	s.hold(quiet) // "nothing next" must be watched for a while to agree
	s.finish(expectation{Desc: "stalled after the remediated upgrade", Match: stalled,
		Phase: inspect.PhaseStalled, Action: inspect.ActionNone})
}

// plugin runs the plugin binary as admin on the stage's namespace.
func (s *stage) plugin(args ...string) []byte {
	s.t.Helper()
	out, stderr := s.pluginErr(args...)
	if stderr != "" {
		s.t.Logf("%v: stderr: %s", args, stderr)
	}
	return out
}

func (s *stage) pluginErr(args ...string) ([]byte, string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.w.bins.plugin, append([]string{"--kubeconfig", s.w.cl.kubeconfig, "-n", s.ns, "--color", "never"}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		s.t.Fatalf("kubectl-hrretry %v: %v\n%s%s", args, err, out.String(), errOut.String())
	}
	return out.Bytes(), errOut.String()
}

// wantStorage: the three revisions Helm stored, in order.
func (s *stage) wantStorage(r history.Report) {
	s.t.Helper()
	var got []string
	for _, e := range r.Timeline {
		if e.Source == history.SourceStorage {
			got = append(got, fmt.Sprintf("%d %s", e.Revision, e.Type))
		}
	}
	want := "1 superseded,2 failed,3 deployed"
	if strings.Join(got, ",") != want || r.Rollback == nil || *r.Rollback != (inspect.RollbackPair{Failed: 2, Target: 1, Done: true}) {
		s.t.Errorf("storage revisions %v, rollback %+v; want %s and the done rollback 2 -> 1", got, r.Rollback, want)
	}
}

// wantRisks: each object is named by a risk.
func (s *stage) wantRisks(r history.Report, objects ...string) {
	s.t.Helper()
	named := map[string]bool{}
	for _, k := range r.RollbackRisks {
		named[k.Object] = true
	}
	for _, o := range objects {
		if !named[o] {
			s.t.Errorf("no rollback risk names %s: %+v", o, r.RollbackRisks)
		}
	}
}

// wantWatchOrder: the condition transitions in the timeline come in the
// order the watch first saw them; the snapshots and the stored revisions
// come in revision order; each Event of the controller follows the stored
// revision it reports. (A snapshot is not compared with the watch: its
// time is when Helm deployed the revision, and the controller records it
// only when the action ends.)
func (s *stage) wantWatchOrder(rec *recorder, r history.Report) {
	s.t.Helper()
	rec.mu.Lock()
	states := append([]state(nil), rec.states...)
	rec.mu.Unlock()
	firstSeen := func(e history.Entry) int {
		for i, st := range states {
			for _, c := range st.HR.Status.Conditions {
				if c.Type == e.Condition && c.Reason == e.Reason && string(c.Status) == e.Type {
					return i
				}
			}
		}
		return -1
	}
	last, lastEntry := -1, history.Entry{}
	revs := map[history.Source]int{}
	var order []string
	for _, e := range r.Timeline {
		switch e.Source {
		case history.SourceCondition:
			i := firstSeen(e)
			if i < 0 {
				s.t.Errorf("the watch never saw %s=%s %s", e.Condition, e.Type, e.Reason)
				continue
			}
			if i < last {
				s.t.Errorf("timeline order differs from the watch: %s %s (watch state %d) after %s %s (state %d)",
					e.Condition, e.Reason, i, lastEntry.Condition, lastEntry.Reason, last)
			}
			last, lastEntry = i, e
		case history.SourceHistory, history.SourceStorage:
			if e.Reason == "test" || e.Revision == 0 {
				continue
			}
			if e.Revision < revs[e.Source] {
				s.t.Errorf("%s revision %d after %d", e.Source, e.Revision, revs[e.Source])
			}
			revs[e.Source] = e.Revision
			if e.Source == history.SourceStorage {
				order = append(order, fmt.Sprintf("storage %d", e.Revision))
			}
		case history.SourceEvent:
			if e.Reason == v2.UpgradeFailedReason || e.Reason == v2.RollbackSucceededReason {
				order = append(order, e.Reason)
			}
		}
	}
	if got := strings.Join(order, ","); !strings.Contains(got, "storage 2,UpgradeFailed") || !strings.Contains(got, "storage 3,RollbackSucceeded") {
		s.t.Errorf("Events and revisions out of order: %s", got)
	}
}

// grantNoSecrets lets userNoSecrets read HelmReleases and Events in the
// stage's namespace, and nothing else.
func (s *stage) grantNoSecrets() {
	read := []string{"get", "list", "watch"}
	meta := metav1.ObjectMeta{Name: userNoSecrets, Namespace: s.ns}
	s.w.cl.create(s.ctx, s.t,
		&rbacv1.Role{ObjectMeta: meta, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{v2.GroupVersion.Group}, Resources: []string{"helmreleases"}, Verbs: read},
			{APIGroups: []string{"", "events.k8s.io"}, Resources: []string{"events"}, Verbs: read},
		}},
		&rbacv1.RoleBinding{ObjectMeta: meta,
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: userNoSecrets},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: userNoSecrets}}})
	// The RBAC authorizer reads bindings through an informer: wait until
	// it allows the list the plugin makes first.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		sar := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{User: userNoSecrets,
			ResourceAttributes: &authzv1.ResourceAttributes{Group: "events.k8s.io", Resource: "events", Verb: "list", Namespace: s.ns}}}
		if err := s.w.cl.c.Create(s.ctx, sar); err == nil && sar.Status.Allowed {
			return
		}
		s.hold(100 * time.Millisecond)
	}
	s.t.Fatalf("RBAC for %s never took effect", userNoSecrets)
}

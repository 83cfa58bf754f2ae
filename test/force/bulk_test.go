package force

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// TestBulkForce patches 1,000 HelmReleases in 10 namespaces with
// --wait=false and checks every one. The wall time is logged, not asserted:
// `make bench` measures it.
func TestBulkForce(t *testing.T) {
	ctx := context.Background()
	var g errgroup.Group
	g.SetLimit(16)
	for ns := 0; ns < 10; ns++ {
		namespace := fmt.Sprintf("bulk-%d", ns)
		if err := fixtures.EnsureNamespace(ctx, s.admin, namespace); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 100; i++ {
			g.Go(func() error {
				return s.admin.Create(ctx, &v2.HelmRelease{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("app-%03d", i), Namespace: namespace, Labels: map[string]string{"suite": "bulk"}},
					Spec: v2.HelmReleaseSpec{Interval: metav1.Duration{Duration: time.Hour},
						ChartRef: &v2.CrossNamespaceSourceReference{Kind: "OCIRepository", Name: "app"}}})
			})
		}
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	// The rate README documents for a bulk force: kubectl's default 5/s
	// would take minutes.
	r := plugin(t, patchOnly, "force", "-A", "-l", "suite=bulk", "--yes", "--wait=false", "--qps", "500", "--burst", "1000")
	if r.code != 0 || !strings.Contains(r.stderr, "1000 HelmRelease(s): 1000 patched") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr[max(0, len(r.stderr)-500):])
	}
	t.Logf("force --wait=false over 1000 HelmReleases: %s wall time (plugin process)", r.took.Round(time.Millisecond))
	list := &v2.HelmReleaseList{}
	if err := s.admin.List(ctx, list, client.MatchingLabels{"suite": "bulk"}); err != nil {
		t.Fatal(err)
	}
	token := ""
	for _, hr := range list.Items {
		got := hr.Annotations["reconcile.fluxcd.io/forceAt"]
		if token == "" {
			token = got
		}
		if got == "" || got != token || hr.Annotations["reconcile.fluxcd.io/requestedAt"] != token {
			t.Errorf("%s/%s: annotations %v", hr.Namespace, hr.Name, hr.Annotations)
		}
	}
	if len(list.Items) != 1000 {
		t.Errorf("%d objects, want 1000", len(list.Items))
	}
}

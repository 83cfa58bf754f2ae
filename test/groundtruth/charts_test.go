package groundtruth

import (
	"context"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/test/fixtures/charts"
)

// chartsDir holds the charts the scenarios serve.
const chartsDir = "../../testdata/charts"

// chartServer serves the charts of testdata/charts on 127.0.0.1 and points
// OCIRepositories at them, as source-controller would (test/fixtures/charts,
// which `make demo` uses too).
type chartServer struct{ *charts.Server }

func startChartServer(t *testing.T) *chartServer {
	srv, err := charts.Serve(chartsDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("stopping the chart server: %v", err)
		}
	})
	return &chartServer{srv}
}

// publish serves dir as name:version and makes the OCIRepository
// namespace/name point at it.
func (s *chartServer) publish(ctx context.Context, c client.Client, namespace, name, dir, version string) error {
	return s.Publish(ctx, c, namespace, name, dir, version)
}

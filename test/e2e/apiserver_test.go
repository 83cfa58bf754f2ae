package e2e

import (
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
)

type apiServer = envtest.APIServer

// startAPIServer starts another kube-apiserver on an existing etcd, keeping
// its objects under prefix so it sees none of the first server's (no CRDs),
// and writes an admin kubeconfig for it. Sharing etcd saves starting one.
func startAPIServer(binDir, etcdURL, prefix, kubeconfig string) (*apiServer, error) {
	u, err := url.Parse(etcdURL)
	if err != nil {
		return nil, err
	}
	s := &apiServer{
		EtcdURL:      u,
		Path:         filepath.Join(binDir, "kube-apiserver"),
		StartTimeout: time.Minute,
		StopTimeout:  20 * time.Second,
	}
	s.Configure().Set("etcd-prefix", prefix)
	start := time.Now()
	if err := s.Start(); err != nil {
		return nil, fmt.Errorf("starting a kube-apiserver without CRDs: %w", err)
	}
	fmt.Printf("e2e: second kube-apiserver (no CRDs) started in %.2fs\n", time.Since(start).Seconds())
	cfg, err := s.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, &rest.Config{})
	if err == nil {
		cfg.Host = s.SecureServing.URL("https", "/").String()
		cfg.CAData = s.CA
		err = controlplane.WriteKubeconfig(kubeconfig, "e2e-no-flux", cfg)
	}
	if err != nil {
		if stopErr := s.Stop(); stopErr != nil {
			return nil, fmt.Errorf("%w (and stopping it: %w)", err, stopErr)
		}
		return nil, err
	}
	return s, nil
}

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
	s, err := startServer(binDir, etcdURL, prefix)
	if err != nil {
		return nil, err
	}
	cfg, err := serverUser(s, "admin", "system:masters")
	if err == nil {
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

// startServer starts a kube-apiserver on etcdURL under prefix: a cluster
// of its own (its own objects, CA and users) for the price of one process.
func startServer(binDir, etcdURL, prefix string) (*apiServer, error) {
	return startServerIn(binDir, etcdURL, prefix, "")
}

// startServerIn is startServer with its certificates in certDir ("": a
// temporary one): a server stopped and started again in the same
// directory serves the same port and CAs, so its clients' kubeconfig
// stays valid across the restart.
func startServerIn(binDir, etcdURL, prefix, certDir string) (*apiServer, error) {
	u, err := url.Parse(etcdURL)
	if err != nil {
		return nil, err
	}
	s := &apiServer{
		CertDir:      certDir,
		EtcdURL:      u,
		Path:         filepath.Join(binDir, "kube-apiserver"),
		StartTimeout: time.Minute,
		StopTimeout:  20 * time.Second,
	}
	s.Configure().Set("etcd-prefix", prefix)
	start := time.Now()
	if err := s.Start(); err != nil {
		return nil, fmt.Errorf("starting a kube-apiserver (etcd prefix %s): %w", prefix, err)
	}
	fmt.Printf("e2e: another kube-apiserver (etcd prefix %s) started in %.2fs\n", prefix, time.Since(start).Seconds())
	return s, nil
}

// serverUser is a client certificate for user name on s; what it may do is
// up to its groups and RBAC.
func serverUser(s *apiServer, name string, groups ...string) (*rest.Config, error) {
	cfg, err := s.AddUser(envtest.User{Name: name, Groups: groups}, &rest.Config{})
	if err != nil {
		return nil, fmt.Errorf("adding user %s: %w", name, err)
	}
	cfg.Host = s.SecureServing.URL("https", "/").String()
	cfg.CAData = s.CA
	return cfg, nil
}

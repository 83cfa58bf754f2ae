package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
)

// serve is the background process: it starts the control plane, seeds it,
// writes the ready file, and on SIGTERM (or SIGINT, SIGHUP) stops
// kube-apiserver and etcd and removes its files before exiting.
func serve(c config) (err error) {
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer cancel()
	// envtest logs through controller-runtime's logger; unset, it prints
	// a stack trace after 30 s.
	ctrllog.SetLogger(logr.Discard())
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	// The pid file comes first, so that down can stop a demo that is
	// still starting.
	if err := os.WriteFile(c.path("pid"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return err
	}
	defer removeState(c)

	start := time.Now()
	cp, err := controlplane.Start(controlplane.Options{BinDir: c.binDir, CRDDir: c.crdDir})
	if err != nil {
		return err
	}
	defer func() {
		log.Print("stopping kube-apiserver and etcd")
		if stopErr := cp.Stop(); stopErr != nil && err == nil {
			err = stopErr
		}
		log.Print("stopped")
	}()
	started := time.Since(start)
	log.Printf("control plane up in %.2fs at %s", started.Seconds(), cp.Host())

	seeded := time.Now()
	n, err := seed(ctx, cp)
	if err != nil {
		return err
	}
	if err := controlplane.WriteKubeconfig(c.path("kubeconfig"), "hrretry-demo", cp.Admin); err != nil {
		return err
	}
	ready := fmt.Sprintf("Control plane up in %.1fs (etcd + kube-apiserver %s, HelmRelease CRD established); %d HelmReleases seeded in %.1fs.\n",
		started.Seconds(), controlplane.KubeVersion, n, time.Since(seeded).Seconds())
	if err := os.WriteFile(c.path("ready"), []byte(ready), 0o600); err != nil {
		return err
	}
	log.Print("ready; waiting for SIGTERM")
	<-ctx.Done()
	log.Print("signal received")
	return nil
}

// seed installs what a Flux cluster has (helm-controller's Deployment, so
// the plugin reads real settings) and the fleet, timed from now.
func seed(ctx context.Context, cp *controlplane.ControlPlane) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	c, err := fixtures.NewClient(cp.Admin)
	if err != nil {
		return 0, err
	}
	if err := fixtures.EnsureNamespace(ctx, c, "flux-system"); err != nil {
		return 0, err
	}
	if err := c.Create(ctx, fixtures.HelmControllerDeployment()); err != nil {
		return 0, fmt.Errorf("creating the helm-controller Deployment: %w", err)
	}
	fleet := fixtures.Fleet()
	if err := fixtures.CreateAll(ctx, c, fleet, time.Now()); err != nil {
		return 0, err
	}
	return len(fleet), nil
}

// removeState deletes the files that say a demo is running.
func removeState(c config) {
	for _, name := range []string{"ready", "kubeconfig", "pid"} {
		if err := os.Remove(c.path(name)); err != nil && !os.IsNotExist(err) {
			log.Print(err)
		}
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/hrretry/kubectl-hrretry/test/fixtures/charts"
	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
	"github.com/hrretry/kubectl-hrretry/test/fixtures/helmcontroller"
)

// serve is the background process: it starts the control plane, the chart
// server and helm-controller, applies the fleet, waits until every release
// has reached its first state, writes the ready file, and on SIGTERM (or
// SIGINT, SIGHUP) stops everything it started and removes its files.
// Deferred calls stop things in reverse order: controller, charts, control
// plane.
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
	cp, err := controlplane.Start(controlplane.Options{BinDir: c.binDir, CRDDir: c.crdDir,
		MoreCRDs: []string{c.crdDir + "/source-controller"}})
	if err != nil {
		return err
	}
	defer stopping("kube-apiserver and etcd", cp.Stop, &err)
	upIn := time.Since(start)
	log.Printf("control plane up in %.2fs at %s", upIn.Seconds(), cp.Host())
	if err := controlplane.WriteKubeconfig(c.path("kubeconfig"), "hrretry-demo", cp.Admin); err != nil {
		return err
	}

	srv, err := charts.Serve(c.chartsDir)
	if err != nil {
		return err
	}
	defer stopping("the chart server", srv.Close, &err)
	log.Printf("charts served at %s", srv.URL())

	w, err := newWorld(cp, srv)
	if err != nil {
		return err
	}
	ctl, err := w.startController(ctx, c)
	if err != nil {
		return err
	}
	defer stopping("helm-controller", func() error { return ctl.Stop(15 * time.Second) }, &err)

	seeded := time.Now()
	if err := w.apply(ctx, fleet()); err != nil {
		return err
	}
	if err := w.untilFirstStates(ctx, fleet(), 3*time.Minute); err != nil {
		return err
	}
	ready := fmt.Sprintf("Control plane up in %.1fs (etcd + kube-apiserver %s); helm-controller v1.6.4 running; "+
		"%d HelmReleases reached their first state %.1fs after they were applied.\n",
		upIn.Seconds(), controlplane.KubeVersion, len(fleet()), time.Since(seeded).Seconds())
	if err := os.WriteFile(c.path("ready"), []byte(ready), 0o600); err != nil {
		return err
	}
	log.Print("ready; waiting for SIGTERM")
	<-ctx.Done()
	log.Print("signal received")
	return nil
}

// stopping runs stop for a deferred shutdown, logging it, and keeps the
// first error.
func stopping(what string, stop func() error, err *error) {
	log.Printf("stopping %s", what)
	if stopErr := stop(); stopErr != nil {
		log.Printf("stopping %s: %v", what, stopErr)
		*err = errors.Join(*err, stopErr)
	}
}

// startController runs helm-controller with its log in the state folder,
// after writing the Deployment that carries its flags.
func (w *world) startController(ctx context.Context, c config) (*helmcontroller.Controller, error) {
	logFile, err := os.Create(c.path("helm-controller.log"))
	if err != nil {
		return nil, err
	}
	// The controller keeps writing until it has stopped; the file is
	// closed when the demo exits.
	ctl, err := helmcontroller.New(helmcontroller.Options{Bin: c.controllerBin(), Kubeconfig: c.path("kubeconfig"),
		Flags: controllerFlags, Log: logFile})
	if err != nil {
		return nil, err
	}
	if err := w.publishSettings(ctx, ctl.Args()); err != nil {
		return nil, err
	}
	start := time.Now()
	if err := ctl.Start(time.Minute); err != nil {
		return nil, fmt.Errorf("%w; log: %s", err, c.path("helm-controller.log"))
	}
	log.Printf("helm-controller ready in %.2fs (pid %d): %v", time.Since(start).Seconds(), ctl.Pid(), ctl.Args())
	w.reportAvailability(ctx, ctl)
	return ctl, nil
}

// removeState deletes the files that say a demo is running.
func removeState(c config) {
	for _, name := range []string{"ready", "kubeconfig", "pid"} {
		if err := os.Remove(c.path(name)); err != nil && !os.IsNotExist(err) {
			log.Print(err)
		}
	}
}

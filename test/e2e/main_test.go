package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// suite is the one control plane of this test package, started by TestMain
// before any test runs and stopped after the last. It is a once-function,
// not a variable tests could reassign.
var suite = sync.OnceValues(startHarness)

// TestMain starts the control plane once, seeds the fleet, runs the tests
// and stops it. A control plane that cannot start fails the package, in CI
// and outside it: a skipped end-to-end suite looks like a green one.
func TestMain(m *testing.M) {
	flag.Parse()
	// envtest logs through controller-runtime's logger; unset, it prints
	// a stack trace after 30 s. The control plane's own output is not
	// needed: failures come back as errors.
	ctrllog.SetLogger(logr.Discard())
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// kube-apiserver and etcd run in their own process groups, so neither
	// Ctrl-C nor go test's timeout panic would reach them: the guard stops
	// them first. It is armed before the start; if a signal comes while
	// the control plane is starting, suite() waits for the start to end.
	stop := sync.OnceFunc(func() {
		if h, err := suite(); err == nil {
			if err := h.stop(); err != nil {
				fmt.Fprintf(os.Stderr, "e2e: stopping the control plane: %v\n", err)
			}
		}
	})
	defer stop()
	disarm := guardProcesses(stop)
	defer disarm()

	if _, err := suite(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL e2e: %v\n", err)
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "FAIL e2e: CI=true: the end-to-end tests must run; they are never skipped")
		}
		return 1
	}
	return m.Run()
}

// guardProcesses stops the control plane on SIGINT/SIGTERM, and shortly
// before go test's -timeout would kill this process without running
// deferred functions. It returns a function that disarms both.
func guardProcesses(stop func()) func() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	timer := time.NewTimer(time.Duration(1<<63 - 1))
	if f := flag.Lookup("test.timeout"); f != nil {
		if d, err := time.ParseDuration(f.Value.String()); err == nil && d > 0 {
			timer.Reset(d - min(d/10, 30*time.Second))
		}
	}
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sig:
			fmt.Fprintf(os.Stderr, "e2e: %v: stopping the control plane\n", s)
		case <-timer.C:
			fmt.Fprintln(os.Stderr, "e2e: the test timeout is near: stopping the control plane before go test kills this process")
		case <-done:
			return
		}
		stop()
		os.Exit(1)
	}()
	return func() {
		signal.Stop(sig)
		timer.Stop()
		close(done)
	}
}

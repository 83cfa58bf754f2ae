// Command kubectl-hrretry is the kubectl plugin `kubectl hrretry` and, installed
// as flux-hrretry, the flux plugin `flux hrretry`: what every Flux HelmRelease
// will do next after a failure, when, and how to move it.
package main

import (
	"context"
	"os"
	"runtime/debug"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"

	"github.com/hrretry/kubectl-hrretry/internal/cmd"
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=... -X main.date=...".
var (
	version = "dev"
	commit  = "unknown"
	date    = "unknown"
)

// buildVersion falls back to the module version Go records for
// `go install ...@v0.1.0` when no version was set by the linker.
func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

func main() {
	// client-go logs through klog to stderr (a watch's retries, a request
	// throttled): never on the user's screen, where every API error is
	// one sentence said once.
	klog.SetLogger(logr.Discard())
	ctx, stop := cmd.NotifySignals(context.Background())
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	root := cmd.NewRootCmd(cmd.Deps{
		Streams: streams,
		Now:     time.Now,
		Getenv:  os.Getenv,
		Build:   cmd.BuildInfo{Version: buildVersion(), Commit: commit, Date: date},
		Name:    cmd.NameFor(os.Args[0]),
		Cluster: cmd.Connect,
	})
	err := root.ExecuteContext(ctx)
	code := cmd.ExitCode(ctx, err, streams.ErrOut)
	stop()
	os.Exit(code)
}

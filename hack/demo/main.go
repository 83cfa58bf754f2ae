// Command hrretry-demo runs the demo of `make demo` in the background: a
// real kube-apiserver and etcd, the real helm-controller v1.6.4 (its flags
// also in a flux-system/helm-controller Deployment, where the plugin reads
// them), charts from testdata/charts served on 127.0.0.1, and HelmReleases
// that fail, retry, remediate, stall, wait and succeed for real (fleet.go).
//
//	hrretry-demo up     stop any previous demo, start a new one, print the fleet
//	hrretry-demo down   stop it; no process or port is left behind
//	hrretry-demo serve  the background process itself (started by up)
//
// State lives in $HRRETRY_DEMO_DIR (default ~/.cache/kubectl-hrretry/demo):
// kubeconfig, pid, ready, demo.log and helm-controller.log.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
)

// config is what every subcommand needs to know.
type config struct {
	dir       string // state directory
	binDir    string // kube-apiserver, etcd, kubectl, helm-controller
	crdDir    string // the HelmRelease CRD; source-controller's in its subfolder
	chartsDir string // testdata/charts
	plugin    string // kubectl-hrretry binary, for up's printout
}

func (c config) path(name string) string { return filepath.Join(c.dir, name) }

func (c config) controllerBin() string { return filepath.Join(c.binDir, "helm-controller") }

func main() {
	home, _ := os.UserHomeDir()
	dir := os.Getenv("HRRETRY_DEMO_DIR")
	if dir == "" {
		dir = filepath.Join(home, ".cache", "kubectl-hrretry", "demo")
	}
	c := config{dir: dir}
	fs := flag.NewFlagSet("hrretry-demo", flag.ExitOnError)
	fs.StringVar(&c.binDir, "bin-dir", controlplane.DefaultBinDir(), "directory with kube-apiserver, etcd and helm-controller")
	fs.StringVar(&c.crdDir, "crd-dir", "test/crd", "directory with the HelmRelease CRD, and source-controller's in a subfolder")
	fs.StringVar(&c.chartsDir, "charts-dir", "testdata/charts", "directory with the charts to serve")
	fs.StringVar(&c.plugin, "plugin", "bin/kubectl-hrretry", "the kubectl-hrretry binary")
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: hrretry-demo up|down|serve [flags]")
		os.Exit(2)
	}
	_ = fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "up":
		err = up(c)
	case "down":
		err = down(c)
	case "serve":
		err = serve(c)
	default:
		err = fmt.Errorf("unknown command %q: want up, down or serve", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "hrretry-demo %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

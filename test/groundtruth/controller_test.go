package groundtruth

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hrretry/kubectl-hrretry/test/fixtures/helmcontroller"
)

// controllerNamespace is RUNTIME_NAMESPACE, and where the plugin reads the
// controller's flags from (its default --controller-namespace).
const controllerNamespace = "flux-system"

// requeueDependency is --requeue-dependency: short, so that waiting on a
// dependency is observed several times.
const requeueDependency = 5 * time.Second

// Workers (--concurrent) of the two controllers the ground truth runs.
const (
	// idleWorkers: more workers than the main set has releases (36): a
	// worker held by a Helm action or a cache wait must not delay another
	// release's reconcile and skew the timings (20 did, once the scenarios
	// outnumbered them).
	idleWorkers = 48
	// busyWorkers: the busy set (TestGroundTruthBusy) keeps both workers
	// running Helm actions, so attempts wait in the work queue.
	busyWorkers = 2
)

// controllerArgs are the flags the controller runs with; the plugin reads the
// same list from a Deployment, as it would in a real cluster. gates is
// --feature-gates (empty: none); workers is --concurrent.
func controllerArgs(jitter int, gates, metricsAddr, healthAddr string, workers int) []string {
	args := []string{
		"--enable-leader-election=false",
		"--watch-all-namespaces=true",
		"--requeue-dependency=" + requeueDependency.String(),
		"--interval-jitter-percentage=" + strconv.Itoa(jitter),
		"--concurrent=" + strconv.Itoa(workers),
		"--graceful-shutdown-timeout=5s",
		"--log-encoding=json",
		"--log-level=info",
		"--metrics-addr=" + metricsAddr,
		"--health-addr=" + healthAddr,
	}
	if gates != "" {
		args = append(args, "--feature-gates="+gates)
	}
	if lo, hi, ok := retryDelays(); ok {
		args = append(args, "--min-retry-delay="+lo.String(), "--max-retry-delay="+hi.String())
	}
	return args
}

// retryDelays is HRRETRY_GT_RETRY_DELAYS ("MIN,MAX", e.g. "1s,40s"), the
// controller's --min-retry-delay and --max-retry-delay; ok is false when
// unset (the controller's defaults, 750ms and 15m).
func retryDelays() (lo, hi time.Duration, ok bool) {
	v := strings.TrimSpace(os.Getenv("HRRETRY_GT_RETRY_DELAYS"))
	a, b, found := strings.Cut(v, ",")
	if !found {
		return 750 * time.Millisecond, 15 * time.Minute, false
	}
	lo, err1 := time.ParseDuration(strings.TrimSpace(a))
	hi, err2 := time.ParseDuration(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || lo <= 0 || hi < lo {
		panic("HRRETRY_GT_RETRY_DELAYS: want MIN,MAX durations, got " + v)
	}
	return lo, hi, true
}

// featureGates is HRRETRY_GT_GATES, the controller's --feature-gates (e.g.
// DefaultToRetryOnFailure=true); empty by default.
func featureGates() string { return strings.TrimSpace(os.Getenv("HRRETRY_GT_GATES")) }

// cancelGate: the controller runs with CancelHealthCheckOnNewRevision, so a
// request during an install or upgrade cancels its health checks.
func cancelGate() bool {
	return strings.Contains(featureGates(), "CancelHealthCheckOnNewRevision=true")
}

// defaultToRetry: the DefaultToRetryOnFailure gate is on, so a release that
// sets no strategy retries (every 5m) instead of remediating
// (HelmRelease GetRetry(defaultToRetryOnFailure), api v2).
func defaultToRetry() bool { return retryGate(featureGates()) }

// retryGate: the --feature-gates value gates turns DefaultToRetryOnFailure on.
func retryGate(gates string) bool {
	for _, g := range strings.Split(gates, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(g), "=")
		if name == "DefaultToRetryOnFailure" {
			on, err := strconv.ParseBool(val)
			return err == nil && on
		}
	}
	return false
}

// jitterPercent is --interval-jitter-percentage, 5 (the default) unless
// HRRETRY_GT_JITTER says otherwise (e.g. 0 to measure without jitter).
func jitterPercent(t *testing.T) int {
	s := os.Getenv("HRRETRY_GT_JITTER")
	if s == "" {
		return 5
	}
	p, err := strconv.Atoi(s)
	if err != nil || p < 0 || p >= 100 {
		t.Fatalf("HRRETRY_GT_JITTER=%q: want an integer in [0, 100)", s)
	}
	return p
}

// startController runs helm-controller against the cluster until the test
// ends, its log in a file (in the test's temporary directory, or at
// $HRRETRY_GT_LOG) and fed to logs, with --concurrent=workers. It waits for
// /readyz.
func startController(ctx context.Context, t *testing.T, bin string, cl *cluster, logs *logRouter, workers int) {
	t.Helper()
	startControllerAs(ctx, t, bin, cl, logs, controllerSpec{name: "helm-controller", jitter: jitterPercent(t), workers: workers, namespace: true})
}

// controllerSpec is one helm-controller process and its Deployment: the
// Deployment's name, its jitter and workers, flags beyond controllerArgs
// (a shard's --watch-label-selector), and whether to create the
// controller namespace first (the first controller of a cluster does).
type controllerSpec struct {
	name            string
	jitter, workers int
	extra           []string
	namespace       bool
	kubeconfig      string // the controller's own, if not the admin's (the lag set's proxy)
}

// startControllerAs is startController for any controllerSpec: a sharded
// cluster runs several, each with its own log router (their lines must not
// interleave mid-line in one).
func startControllerAs(ctx context.Context, t *testing.T, bin string, cl *cluster, logs *logRouter, spec controllerSpec) {
	t.Helper()
	healthAddr := freeAddr(t)
	args := append(controllerArgs(spec.jitter, featureGates(), freeAddr(t), healthAddr, spec.workers), spec.extra...)
	publishSettings(ctx, t, cl, spec.name, spec.namespace, args)

	logPath := filepath.Join(t.TempDir(), spec.name+".log")
	if keep := os.Getenv("HRRETRY_GT_LOG"); keep != "" && spec.name == "helm-controller" {
		logPath = keep // kept after the test, for a closer look
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	logs.tee = logFile
	cmd := exec.Command(bin, args...)
	kubeconfig := cl.kubeconfig
	if spec.kubeconfig != "" {
		kubeconfig = spec.kubeconfig
	}
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "RUNTIME_NAMESPACE="+controllerNamespace)
	cmd.Stdout, cmd.Stderr = logs, logs
	// Dies with the test binary if that is killed (a test timeout).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		// As kube-controller-manager would: no replica available once the
		// process has stopped (its own context: the test's may be ending,
		// the API server not yet).
		wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if werr := helmcontroller.WriteAvailabilityOf(wctx, cl.c, spec.name, false, time.Now()); werr != nil {
			t.Logf("%s exited; %v", spec.name, werr)
		}
		cancel()
		exited <- err
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		var exit error
		select {
		case exit = <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			exit = <-exited
		}
		_ = logFile.Close()
		t.Logf("%s stopped (%v); log: %s", spec.name, exit, logPath)
	})

	readyz := "http://" + healthAddr + "/readyz"
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("helm-controller exited at start (%v); log: %s", err, logPath)
		case <-time.After(200 * time.Millisecond):
		}
		if resp, err := http.Get(readyz); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Logf("%s ready: %v", spec.name, args)
				// The Deployment's status as kube-controller-manager would
				// write it for the running process: one replica available
				// (the plugin reads the controller's health there).
				if err := helmcontroller.WriteAvailabilityOf(ctx, cl.c, spec.name, true, time.Now()); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("helm-controller not ready after 60s; log: %s", logPath)
		}
	}
}

// publishSettings creates the Deployment the plugin reads the controller's
// flags from, the demo's (helmcontroller.DeploymentNamed), and first the
// namespace, when withNamespace. Nothing runs it: there is no
// controller-manager; startControllerAs writes its status.
func publishSettings(ctx context.Context, t *testing.T, cl *cluster, name string, withNamespace bool, args []string) {
	t.Helper()
	if withNamespace {
		cl.create(ctx, t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: controllerNamespace}})
	}
	cl.create(ctx, t, helmcontroller.DeploymentNamed(name, args))
}

// freeAddr asks the kernel for a free port on 127.0.0.1.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// logLine is one line the controller logged about one HelmRelease.
type logLine struct {
	At  time.Time // the controller's own timestamp (ms precision)
	Msg string
}

// logRouter is the controller's stdout and stderr: it copies every line to
// tee (the log file) and hands the lines about a HelmRelease to whoever
// subscribed to that release.
type logRouter struct {
	tee io.Writer

	mu      sync.Mutex
	partial []byte
	subs    map[string]func(logLine) // "namespace/name"
}

func newLogRouter() *logRouter {
	return &logRouter{subs: map[string]func(logLine){}}
}

// subscribe sends the lines about namespace/name to fn (called with the
// router's lock held: fn must be quick).
func (r *logRouter) subscribe(namespace, name string, fn func(logLine)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subs[namespace+"/"+name] = fn
}

func (r *logRouter) unsubscribe(namespace, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.subs, namespace+"/"+name)
}

// Write splits what the controller wrote into lines.
func (r *logRouter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tee != nil {
		_, _ = r.tee.Write(p)
	}
	r.partial = append(r.partial, p...)
	for {
		i := bytes.IndexByte(r.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		r.route(r.partial[:i])
		r.partial = r.partial[i+1:]
	}
}

// controllerLogTime is zap's ISO 8601 encoder, as fluxcd/pkg/runtime/logger
// configures it.
const controllerLogTime = "2006-01-02T15:04:05.000Z0700"

// route hands a line about a HelmRelease to its recorder. The controller
// names the release in one of two ways: under the key "HelmRelease" when
// its builder knows the kind it reconciles (builder.For), or as top-level
// "namespace" and "name" under the CancelHealthCheckOnNewRevision gate,
// whose builder watches the HelmReleases as a raw source
// (fluxcd/pkg/runtime controller.NewControllerManagedBy ... For:
// WatchesRawSource), so controller-runtime's logger has no kind to key them
// by. Reading only the first made the gate's runs miss every log-only
// attempt (dependency and source rechecks, failures before Helm).
func (r *logRouter) route(line []byte) {
	var entry struct {
		TS          string `json:"ts"`
		Msg         string `json:"msg"`
		Controller  string `json:"controller"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
		HelmRelease struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"HelmRelease"`
	}
	if json.Unmarshal(line, &entry) != nil {
		return
	}
	ns, name := entry.HelmRelease.Namespace, entry.HelmRelease.Name
	if name == "" && entry.Controller == "helmrelease" {
		ns, name = entry.Namespace, entry.Name
	}
	if name == "" {
		return
	}
	fn := r.subs[ns+"/"+name]
	at, err := time.Parse(controllerLogTime, entry.TS)
	if fn == nil || err != nil {
		return
	}
	fn(logLine{At: at, Msg: entry.Msg})
}

// reconcilerError is what controller-runtime logs when Reconcile returns an
// error (after the deferred status patch).
const reconcilerError = "Reconciler error"

// isDependencyCheck: the first thing a reconcile of a release with
// dependsOn logs ("checking 1 dependencies"). While the dependency is not
// ready, nothing else about the release changes, so this line is the only
// sign of the controller's recheck.
func isDependencyCheck(msg string) bool {
	return strings.HasPrefix(msg, "checking ") && strings.HasSuffix(msg, " dependencies") ||
		isSourceNotReady(msg)
}

// isSourceNotReady: a reconcile stopped at a source that is not ready logs
// why, and writes nothing new while the source stays so
// (reconcileRelease: log.Info(msg) from isSourceReady, then RequeueAfter).
func isSourceNotReady(msg string) bool {
	return strings.Contains(msg, "' is not ready: ")
}

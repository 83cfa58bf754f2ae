package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
)

// benchClusters is the multi-cluster figure (`-clusters 10`): k clusters of
// n HelmReleases each, read with one `status -A --contexts c01,…` against
// each cluster alone. The cheapest honest fleet on one machine: the first
// cluster is a full control plane, the others are kube-apiservers on its
// etcd under their own --etcd-prefix, so each has its own objects, CRD,
// watch cache and serving CPU, and only etcd is shared.
func benchClusters(cfg config, k, n int) error {
	ctrllog.SetLogger(logr.Discard()) // envtest logs through it; unset, it prints a stack trace
	cp, err := controlplane.Start(controlplane.Options{BinDir: cfg.binDir, CRDDir: "test/crd"})
	if err != nil {
		return err
	}
	servers := []interface{ Stop() error }{cp}
	stopServers := func() { // the API servers before etcd; once
		for i := len(servers) - 1; i >= 0; i-- {
			_ = servers[i].Stop()
		}
		servers = nil
	}
	defer stopServers()
	admins := []*rest.Config{cp.Admin}
	for i := 1; i < k; i++ {
		s, admin, err := startCluster(cfg.binDir, cp.EtcdURL(), fmt.Sprintf("/hrretry-bench-c%02d", i+1))
		if err != nil {
			return err
		}
		servers = append(servers, s)
		admins = append(admins, admin)
	}
	start := time.Now()
	for _, admin := range admins {
		if err := seed(context.Background(), &controlplane.ControlPlane{Admin: admin}, n); err != nil {
			return err
		}
	}
	fmt.Printf("## %d clusters × %d HelmReleases (seeded in %s)\n\n", k, n, time.Since(start).Round(time.Second))
	if cfg.real {
		if err := measureReal(cfg, admins); err != nil {
			return err
		}
	}
	if cfg.replay {
		return benchReplay(cfg, admins, stopServers)
	}
	return nil
}

// measureReal is the figure against the real servers, here and then 50 ms
// of round trip away, as real ones are.
func measureReal(cfg config, admins []*rest.Config) error {
	cores := runtime.NumCPU()
	if err := measureClustersOn(cfg, admins, "clusters.kubeconfig", nil, cores); err != nil {
		return err
	}
	far, stop, err := delayed(admins, 25*time.Millisecond)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Printf("### The same, through a delay line: 50 ms round trip to each cluster\n\n")
	return measureClustersOn(cfg, far, "far.kubeconfig", nil, cores)
}

// measureClustersOn times status against each cluster alone, then the
// fleet, each run prefixed with pin (taskset, or nothing) on that many cores.
func measureClustersOn(cfg config, admins []*rest.Config, file string, pin []string, cores int) error {
	kubeconfig, names, err := writeContexts(filepath.Join(cfg.workDir, file), admins)
	if err != nil {
		return err
	}
	kc := "--kubeconfig=" + kubeconfig
	k := len(names)
	plugin := append(pin[:len(pin):len(pin)], cfg.plugin, kc, "status", "-A")
	var rows []timing
	for _, name := range names {
		t, err := timeRuns(cfg.repeat, append(plugin[:len(plugin):len(plugin)], "--context", name)...)
		if err != nil {
			return fmt.Errorf("status --context %s: %w", name, err)
		}
		t.name = "status -A --context " + name
		rows = append(rows, t)
	}
	fleet, err := timeRuns(cfg.repeat, append(plugin, "--contexts", strings.Join(names, ","))...)
	if err != nil {
		return fmt.Errorf("status --contexts: %w", err)
	}
	fleet.name = fmt.Sprintf("status -A --contexts c01..c%02d", k)
	printClusters(rows, fleet, cores, pin != nil)
	return nil
}

// startCluster starts a kube-apiserver on etcdURL under prefix, with the
// HelmRelease CRD served, and returns its admin (system:masters).
func startCluster(binDir, etcdURL, prefix string) (*envtest.APIServer, *rest.Config, error) {
	u, err := url.Parse(etcdURL)
	if err != nil {
		return nil, nil, err
	}
	s := &envtest.APIServer{EtcdURL: u, Path: filepath.Join(binDir, "kube-apiserver"),
		StartTimeout: time.Minute, StopTimeout: 20 * time.Second}
	s.Configure().Set("etcd-prefix", prefix)
	if err := s.Start(); err != nil {
		return nil, nil, fmt.Errorf("starting kube-apiserver %s: %w", prefix, err)
	}
	admin, err := s.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, &rest.Config{})
	if err == nil {
		admin.Host, admin.CAData = s.SecureServing.URL("https", "/").String(), s.CA
		admin.QPS, admin.Burst = 1000, 2000 // for seeding; the plugin reads the kubeconfig, not this
		_, err = envtest.InstallCRDs(admin, envtest.CRDInstallOptions{Paths: []string{"test/crd"}})
	}
	if err != nil {
		_ = s.Stop()
		return nil, nil, fmt.Errorf("kube-apiserver %s: %w", prefix, err)
	}
	return s, admin, nil
}

// writeContexts writes one kubeconfig with a context per cluster: c01, c02, …
func writeContexts(path string, admins []*rest.Config) (string, []string, error) {
	kc := clientcmdapi.NewConfig()
	var names []string
	for i, a := range admins {
		name := fmt.Sprintf("c%02d", i+1)
		kc.Clusters[name] = &clientcmdapi.Cluster{Server: a.Host, CertificateAuthorityData: a.CAData}
		kc.AuthInfos[name] = &clientcmdapi.AuthInfo{ClientCertificateData: a.CertData, ClientKeyData: a.KeyData}
		kc.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
		names = append(names, name)
	}
	kc.CurrentContext = names[0]
	return path, names, clientcmd.WriteToFile(*kc, path)
}

// timing is one command's runs: wall clock and the plugin's CPU (user +
// system), which tells the client's share from the servers'.
type timing struct {
	name  string
	walls []time.Duration
	cpus  []time.Duration
	// servers is the CPU the control plane (every kube-apiserver and
	// etcd) spent per run, on average.
	servers time.Duration
}

func timeRuns(repeat int, argv ...string) (timing, error) {
	var t timing
	before := serversCPU()
	for i := 0; i < repeat; i++ {
		cmd := exec.Command(argv[0], argv[1:]...)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = nil, &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return t, fmt.Errorf("%w\n%s", err, tail(stderr.String()))
		}
		t.walls = append(t.walls, time.Since(start))
		t.cpus = append(t.cpus, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	}
	t.servers = (serversCPU() - before) / time.Duration(repeat)
	return t, nil
}

// serversCPU is the CPU time (user + system) the children of this process
// have used so far: etcd and the kube-apiservers. Linux only (/proc); 0
// elsewhere.
func serversCPU() time.Duration {
	entries, _ := os.ReadDir("/proc")
	self := strconv.Itoa(os.Getpid())
	var ticks int64
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The fields after the command, which is in parentheses and may hold blanks.
		fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(fields) < 13 || fields[1] != self {
			continue
		}
		utime, _ := strconv.ParseInt(fields[11], 10, 64)
		stime, _ := strconv.ParseInt(fields[12], 10, 64)
		ticks += utime + stime
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ is 100 on Linux
}

// printClusters prints each cluster alone, then the fleet against the
// slowest one (the target) and against the sum (what one at a time costs).
func printClusters(rows []timing, fleet timing, cores int, serversApart bool) {
	fmt.Println("| command | median wall | min – max | plugin CPU (median) | servers' CPU (mean) |")
	fmt.Println("|---|---|---|---|---|")
	var slowest, sum, cpuSum time.Duration
	for _, r := range append(slices.Clone(rows), fleet) {
		fmt.Printf("| %s | %s | %s – %s | %s | %s |\n", r.name, ms(median(r.walls)), ms(slices.Min(r.walls)), ms(slices.Max(r.walls)),
			ms(median(r.cpus)), ms(r.servers))
	}
	for _, r := range rows {
		slowest = max(slowest, median(r.walls))
		sum += median(r.walls)
		cpuSum += median(r.cpus)
	}
	f := median(fleet.walls)
	fmt.Printf("\nFleet %s = %.2f × the slowest single cluster (%s; target ≤ 1.5 ×) and %.2f × the sum of the %d (%s).\n",
		ms(f), float64(f)/float64(slowest), ms(slowest), float64(f)/float64(sum), len(rows), ms(sum))
	fmt.Printf("Plugin CPU: %s for the fleet against %s for the %d single runs together.\n", ms(median(fleet.cpus)), ms(cpuSum), len(rows))
	if !serversApart {
		fmt.Printf("CPU floor of the fleet run on %d cores: (plugin %s + servers %s) / %d = %s.\n\n", cores, ms(median(fleet.cpus)),
			ms(fleet.servers), cores, ms((median(fleet.cpus)+fleet.servers)/time.Duration(cores)))
	} else {
		fmt.Printf("CPU floor of the fleet run on the plugin's %d core(s): plugin %s / %d = %s (the replay's %s mostly on its own CPU).\n\n",
			cores, ms(median(fleet.cpus)), cores, ms(median(fleet.cpus)/time.Duration(cores)), ms(fleet.servers))
	}
	_ = os.Stdout.Sync()
}

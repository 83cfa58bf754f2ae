package main

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/rest"
)

// The multi-cluster figure with real servers on this machine measures
// their CPU as much as the plugin's (BENCHMARKS.md, "Many clusters"). Real
// clusters' servers are elsewhere. The replay figure keeps what is real —
// every response is the bytes a real kube-apiserver sent for the plugin's
// exact request (record.go) — and simulates what is not on the client: the
// server's CPU (a lookup in memory instead) and the distance (the delay
// line, 50 ms round trip). The replay servers run in their own process,
// pinned to their own CPU with taskset, so their CPU is measured apart
// from the plugin's and does not compete with a plugin pinned elsewhere.

// replayServe is the replay process (`bench replay-serve DIR ONEWAY_MS K`):
// one HTTPS server per cluster serving dir/cNN.json behind a delay line.
// It prints the clusters' addresses on one line and serves until its
// stdin closes. A request that was never recorded ends it with an error:
// the replay would no longer be what the plugin does against a server.
func replayServe(args []string) error {
	if len(args) != 3 {
		return errors.New("usage: bench replay-serve DIR ONEWAY_MS K")
	}
	dir := args[0]
	oneWay, err1 := strconv.Atoi(args[1])
	k, err2 := strconv.Atoi(args[2])
	cert, err3 := loadCert(dir)
	if err := errors.Join(err1, err2, err3); err != nil {
		return err
	}
	missed := make(chan string, 1)
	var addrs []string
	for i := 1; i <= k; i++ {
		var rec recording
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("c%02d.json", i)))
		if err == nil {
			err = json.Unmarshal(b, &rec)
		}
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: replayHandler(rec, missed), ReadHeaderTimeout: time.Minute,
			TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
		go func() { _ = srv.ServeTLS(ln, "", "") }() // HTTP/2 as the API server, from ServeTLS
		far, err := delayTo(ln.Addr().String(), time.Duration(oneWay)*time.Millisecond)
		if err != nil {
			return err
		}
		addrs = append(addrs, far.Addr().String())
	}
	fmt.Println(strings.Join(addrs, " "))
	closed := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(closed) }()
	select {
	case key := <-missed:
		return fmt.Errorf("no recorded response for %s", key)
	case <-closed:
		return nil
	}
}

func replayHandler(rec recording, missed chan<- string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, ok := rec[requestKey(r)]
		if !ok {
			select {
			case missed <- requestKey(r):
			default:
			}
			http.Error(w, "not recorded", http.StatusInternalServerError)
			return
		}
		for name, v := range e.Header {
			w.Header()[name] = v
		}
		w.WriteHeader(e.Status)
		_, _ = w.Write(e.Body)
	})
}

// benchReplay records the plugin's exchanges with the real servers (still
// running), calls stopServers so that ten idle kube-apiservers and etcd
// spend no CPU beside it, then times the plugin against the replay, with
// the plugin on two cores and on one.
func benchReplay(cfg config, admins []*rest.Config, stopServers func()) error {
	dir := filepath.Join(cfg.workDir, "replay")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := serveCert(dir); err != nil {
		return err
	}
	if err := record(cfg, admins, dir); err != nil {
		return err
	}
	stopServers()
	// The replay on the last CPU, the plugin on the others, where taskset
	// and the cores allow it; on 2 cores: replay on CPU 1, plugin on 0-1 then 0.
	replayCPU := runtime.NumCPU() - 1
	pin := func(cpus string) []string { return []string{"taskset", "-c", cpus} }
	if _, err := exec.LookPath("taskset"); err != nil || replayCPU < 1 {
		fmt.Printf("(taskset or a second CPU missing: nothing is pinned)\n\n")
		pin = func(string) []string { return nil }
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ca, err := os.ReadFile(filepath.Join(dir, "cert.pem"))
	if err != nil {
		return err
	}
	proc, addrs, err := startReplay(append(pin(strconv.Itoa(replayCPU)), self, "replay-serve", dir, "25", strconv.Itoa(len(admins))))
	if err != nil {
		return err
	}
	defer proc.stop()
	if len(addrs) != len(admins) {
		return fmt.Errorf("replay process: %d addresses for %d clusters", len(addrs), len(admins))
	}
	var replayed []*rest.Config
	for i, a := range admins {
		c := rest.CopyConfig(a)
		c.Host, c.CAData = "https://"+addrs[i], ca // the client certificate stays: the plugin sends it, unread
		replayed = append(replayed, c)
	}
	for _, cores := range []int{2, 1} {
		cpus := "0-" + strconv.Itoa(cores-1)
		if cores == 1 {
			cpus = "0"
		}
		fmt.Printf("### Replay, 50 ms round trip, replay servers on CPU %d, plugin on CPU %s (%d of the cores); %s\n\n",
			replayCPU, cpus, cores, "load average "+loadAverage())
		if err := measureClustersOn(cfg, replayed, "replay.kubeconfig", pin(cpus), cores); err != nil {
			return err
		}
		if err := proc.alive(); err != nil {
			return err
		}
	}
	return nil
}

// replayProc is the running replay process.
type replayProc struct {
	cmd    *exec.Cmd
	stdin  io.Closer
	exited chan error
}

func startReplay(argv []string) (*replayProc, []string, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	p := &replayProc{cmd: cmd, stdin: stdin, exited: make(chan error, 1)}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	go func() { p.exited <- cmd.Wait() }()
	if err != nil {
		p.stop()
		return nil, nil, fmt.Errorf("replay process: %w", err)
	}
	return p, strings.Fields(line), nil
}

// alive says whether the replay process still runs: it stops at the
// first request it has no recording for.
func (p *replayProc) alive() error {
	select {
	case err := <-p.exited:
		if err == nil {
			return errors.New("the replay process stopped")
		}
		return fmt.Errorf("the replay process stopped: %w", err)
	default:
		return nil
	}
}

func (p *replayProc) stop() {
	_ = p.stdin.Close()
	select {
	case err := <-p.exited:
		_ = err // at the end, or already reported by alive
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
	}
}

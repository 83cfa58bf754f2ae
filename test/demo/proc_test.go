package demo

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// binaries are the programs the demo runs, from the environment the
// Makefile's e2e target sets.
type binaries struct {
	kubeDir string // KUBEBUILDER_ASSETS: kube-apiserver, etcd, helm-controller
	plugin  string // HRRETRY_BIN
}

// findBinaries fails the test under CI=true when a binary is missing, and
// skips it elsewhere (a developer without the control plane built).
func findBinaries(t *testing.T) binaries {
	t.Helper()
	b := binaries{kubeDir: os.Getenv("KUBEBUILDER_ASSETS"), plugin: os.Getenv("HRRETRY_BIN")}
	var missing []string
	for _, p := range []string{filepath.Join(b.kubeDir, "kube-apiserver"), filepath.Join(b.kubeDir, "etcd"),
		filepath.Join(b.kubeDir, "helm-controller"), b.plugin} {
		if fi, err := os.Stat(p); b.kubeDir == "" || b.plugin == "" || err != nil || fi.Mode()&0o111 == 0 {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		msg := "missing " + strings.Join(missing, ", ") + ": run `make e2e` (it builds them and sets KUBEBUILDER_ASSETS and HRRETRY_BIN)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return b
}

// buildDemo builds hack/demo: up starts the background process by running
// its own executable again, so it cannot run inside the test binary.
func buildDemo(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "hrretry-demo")
	cmd := exec.Command("go", "build", "-o", out, "../../hack/demo")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building hack/demo: %v\n%s", err, b)
	}
	return out
}

// descendants lists the live processes under pid, grandchildren included.
func descendants(pid int) []int {
	parent := map[int]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		child, err1 := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		ppid, err2 := strconv.Atoi(statField(b, 1))
		if err1 == nil && err2 == nil {
			parent[child] = ppid
		}
	}
	var out []int
	for child := range parent {
		for p := parent[child]; p > 1; p = parent[p] {
			if p == pid {
				out = append(out, child)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// statField is a field of /proc/PID/stat after the command name (0: state,
// 1: ppid); the name is in parentheses and may hold spaces.
func statField(stat []byte, i int) string {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return ""
	}
	if f := strings.Fields(string(stat[end+1:])); i < len(f) {
		return f[i]
	}
	return ""
}

// alive is true for a process that exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	state := statField(b, 0)
	return err == nil && state != "Z" && state != "X"
}

// exeName is the base name of the process's executable.
func exeName(pid int) string {
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		return "?"
	}
	return strings.TrimSuffix(filepath.Base(exe), " (deleted)")
}

// listeningPorts are the TCP ports pids listen on.
func listeningPorts(pids []int) []int {
	inodes := map[string]bool{}
	for _, pid := range pids {
		fds, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/fd/*")
		for _, fd := range fds {
			if l, err := os.Readlink(fd); err == nil && strings.HasPrefix(l, "socket:[") {
				inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
			}
		}
	}
	var ports []int
	for _, s := range listenSockets() {
		if inodes[s.inode] && !slices.Contains(ports, s.port) {
			ports = append(ports, s.port)
		}
	}
	slices.Sort(ports)
	return ports
}

// listening are the TCP ports anything on this machine listens on.
func listening() []int {
	var ports []int
	for _, s := range listenSockets() {
		ports = append(ports, s.port)
	}
	return ports
}

type socket struct {
	port  int
	inode string
}

// listenSockets reads the TCP sockets in LISTEN state (st 0A) from
// /proc/net/tcp and tcp6: "sl local rem st ... uid timeout inode".
func listenSockets() []socket {
	var out []socket
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Scan() // the header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" {
				continue
			}
			_, portHex, _ := strings.Cut(fields[1], ":")
			if port, err := strconv.ParseInt(portHex, 16, 32); err == nil {
				out = append(out, socket{port: int(port), inode: fields[9]})
			}
		}
	}
	return out
}

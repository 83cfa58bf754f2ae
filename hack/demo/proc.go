package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// runningDemo reads the pid file and checks that the process is alive and
// is a demo server: after a reboot the pid may belong to anything. A stale
// pid file is removed.
func runningDemo(c config) (int, bool) {
	b, err := os.ReadFile(c.path("pid"))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err == nil && alive(pid) && isDemoServer(pid) {
		return pid, true
	}
	removeState(c)
	return 0, false
}

func isDemoServer(pid int) bool {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	args := bytes.Split(bytes.TrimRight(cmdline, "\x00"), []byte{0})
	return len(args) >= 2 && strings.Contains(string(args[0]), "hrretry-demo") && string(args[1]) == "serve"
}

// alive is true for a process that exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	state, ok := statField(stat, 0)
	return ok && state != "Z" && state != "X"
}

// statField returns a field of /proc/PID/stat after the command name
// (0: state, 1: ppid). The name is in parentheses and may hold spaces.
func statField(stat []byte, i int) (string, bool) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return "", false
	}
	f := strings.Fields(string(stat[end+1:]))
	if i >= len(f) {
		return "", false
	}
	return f[i], true
}

// childrenOf lists the live child processes of pid (kube-apiserver, etcd).
func childrenOf(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if ppid, ok := statField(b, 1); ok && ppid == strconv.Itoa(pid) {
			if child, err := strconv.Atoi(filepath.Base(filepath.Dir(p))); err == nil {
				out = append(out, child)
			}
		}
	}
	return out
}

// waitGone waits until none of pids is alive.
func waitGone(timeout time.Duration, pids ...int) bool {
	deadline := time.Now().Add(timeout)
	for {
		anyAlive := false
		for _, p := range pids {
			anyAlive = anyAlive || alive(p)
		}
		if !anyAlive {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

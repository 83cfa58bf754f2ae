package cmd

import (
	"strings"
	"testing"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// A read again changes only the health of the controllers first read; a
// read that found no Deployment, the same health, or another controller
// says nothing.
func TestWithHealth(t *testing.T) {
	s := inspect.DefaultSettings()
	first := cluster.Single("flux-system", "helm-controller", s, "")
	j := newJudges(first)
	down := s
	down.Controller = inspect.Health{Down: true, Reason: "0 of 1 replicas available"}
	for _, c := range []struct {
		name  string
		read  cluster.Controllers
		lines int
	}{
		{"unchanged", cluster.Single("flux-system", "helm-controller", s, ""), 0},
		{"unread", cluster.Controllers{Unread: "forbidden", List: []cluster.Controller{{Namespace: "flux-system", Name: "helm-controller", Settings: down}}}, 0},
		{"another controller", cluster.Single("flux-system", "helm-controller-shard1", down, ""), 0},
		{"down", cluster.Single("flux-system", "helm-controller", down, ""), 1},
	} {
		got, lines, changed := j.withHealth(c.read)
		if len(lines) != c.lines || (got == j) != (c.lines == 0) || changed != (c.lines > 0) {
			t.Errorf("%s: %d lines %q, new judges %v", c.name, len(lines), lines, got != j)
		}
		if c.lines > 0 && (!got.cs.List[0].Settings.Controller.Down || j.cs.List[0].Settings.Controller.Down) {
			t.Errorf("%s: the new judges are down, the old ones unchanged", c.name)
		}
	}
	// Up, but the pods or Lease that had said down did not answer this
	// time: still down, nothing said; the next plain reading says back.
	unsure := s
	unsure.Controller = inspect.Health{Unsure: true}
	if got, lines, changed := newJudges(cluster.Single("flux-system", "helm-controller", down, "")).withHealth(cluster.Single("flux-system", "helm-controller", unsure, "")); changed || len(lines) != 0 || !got.cs.List[0].Settings.Controller.Down {
		t.Errorf("an unsure reading after down: changed %v, lines %q", changed, lines)
	}
	back, lines, _ := newJudges(cluster.Single("flux-system", "helm-controller", down, "")).withHealth(first)
	if len(lines) != 1 || lines[0] != "helm-controller flux-system/helm-controller is back: its releases' windows hold again" ||
		back.cs.List[0].Settings.Controller.Down {
		t.Errorf("back up: %q", lines)
	}
	// Still down, for another reason (a crash loop counting restarts): the
	// judges take it, stderr hears nothing new.
	again := down
	again.Controller.Reason = "container crash-looping (CrashLoopBackOff, 7 restart(s))"
	got, lines, changed := newJudges(cluster.Single("flux-system", "helm-controller", down, "")).withHealth(cluster.Single("flux-system", "helm-controller", again, ""))
	if !changed || len(lines) != 0 || got.cs.List[0].Settings.Controller.Reason != again.Controller.Reason {
		t.Errorf("a new reason: changed %v, lines %q", changed, lines)
	}
}

// The reason comes from the cluster (a pod's status, a Lease's holder):
// stderr gets it escaped, never a terminal control sequence.
func TestWithHealthEscapesTheReason(t *testing.T) {
	s := inspect.DefaultSettings()
	down := s
	down.Controller = inspect.Health{Down: true, Reason: "container \"c\" waiting (\x1b]0;owned\x07\x1b[2J, 1 restart(s))"}
	_, lines, _ := newJudges(cluster.Single("flux-system", "helm-controller", s, "")).withHealth(cluster.Single("flux-system", "helm-controller", down, ""))
	if len(lines) != 1 || strings.ContainsRune(lines[0], 0x1b) || strings.ContainsRune(lines[0], 0x07) {
		t.Errorf("hostile reason on stderr: %q", lines)
	}
}

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// shardDeployment is helm-controller's Deployment renamed, with more flags
// and an environment, as the Flux Operator's spec.sharding writes a shard.
func shardDeployment(name, image string, env []corev1.EnvVar, args ...string) *appsv1.Deployment {
	d := fixtures.HelmControllerDeployment(args...)
	d.Name = name
	c := &d.Spec.Template.Spec.Containers[0]
	c.Env = env
	if image != "" {
		c.Image = image
	}
	return d
}

// TestShardedControllers: two helm-controllers in flux-system split the
// fleet by tier (notin and in), the second one with one worker and its own
// namespace only (--watch-all-namespaces=false, RUNTIME_NAMESPACE=shop),
// and a kustomize-controller beside them that discovery leaves out. Each
// release is judged and queued by its own controller, a backend outside
// shop is unwatched, and `version` names both.
//
// The Deployments are removed at the end; other tests expect none. This
// test is not parallel, so no other test runs while they exist.
func TestShardedControllers(t *testing.T) {
	h := env(t)
	ctx := context.Background()
	if err := fixtures.EnsureNamespace(ctx, h.admin, "flux-system"); err != nil {
		t.Fatal(err)
	}
	deps := []client.Object{
		shardDeployment("helm-controller", "", nil, "--watch-label-selector=tier notin (backend)"),
		shardDeployment("helm-controller-shard1", "ghcr.io/fluxcd/helm-controller:v1.7.0",
			[]corev1.EnvVar{{Name: "RUNTIME_NAMESPACE", Value: "shop"}},
			"--watch-label-selector=tier in (backend)", "--concurrent=1", "--watch-all-namespaces=false", "--interval-jitter-percentage=20"),
		shardDeployment("kustomize-controller", "ghcr.io/fluxcd/kustomize-controller:v1.6.1", nil, "--watch-label-selector=!anything"),
	}
	for _, d := range deps {
		if err := h.admin.Create(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, d := range deps {
			if err := h.admin.Delete(context.Background(), d); err != nil {
				t.Errorf("removing the Deployment: %v", err)
			}
		}
	})

	r := h.run(t, userAdmin, "status", "-A", "-o", "json").mustSucceed(t)
	var doc struct {
		ControllerLoads []struct {
			Controller string `json:"controller"`
			Concurrent int    `json:"concurrent"`
			Busy       int    `json:"busy"`
		} `json:"controllerLoads"`
		Items []struct {
			Namespace, Name string
			Controller      *struct{ Name, Version string } `json:"controller"`
			Next            struct {
				Unwatched bool   `json:"unwatched"`
				Why       string `json:"why"`
			} `json:"next"`
			Warnings []struct{ Code, Message string } `json:"warnings"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("-o json: %v\n%s", err, r.stdout)
	}
	loads := doc.ControllerLoads
	if len(loads) != 2 || loads[0].Controller != "flux-system/helm-controller" || loads[0].Concurrent != 4 ||
		loads[1].Controller != "flux-system/helm-controller-shard1" || loads[1].Concurrent != 1 {
		t.Errorf("controllerLoads: %+v", loads)
	}
	owner := map[string]string{}
	for _, it := range doc.Items {
		k := it.Namespace + "/" + it.Name
		switch {
		case it.Controller != nil:
			owner[k] = it.Controller.Name + " " + it.Controller.Version
		case it.Next.Unwatched:
			owner[k] = "unwatched: " + it.Next.Why
		}
	}
	for k, want := range map[string]string{
		"shop/frontend":  "flux-system/helm-controller v1.6.4",                             // frontend, notin (backend)
		"shop/checkout":  "flux-system/helm-controller-shard1 v1.7.0",                      // backend in shop
		"data/analytics": "flux-system/helm-controller-shard1 watches namespace shop only", // backend elsewhere
		"data/reports":   "flux-system/helm-controller v1.6.4",
	} {
		if !strings.Contains(owner[k], want) {
			t.Errorf("%s: %q, want %q", k, owner[k], want)
		}
	}
	if strings.Contains(r.stderr, "kustomize-controller") {
		t.Errorf("kustomize-controller taken for a helm-controller: %s", r.stderr)
	}

	r = h.run(t, userAdmin, "version").mustSucceed(t)
	t.Logf("version:\n%s%s", r.stdout, r.stderr)
	for _, want := range []string{
		"helm-controller flux-system/helm-controller v1.6.4 (--watch-label-selector tier notin (backend))\n",
		"helm-controller flux-system/helm-controller-shard1 v1.7.0 (--watch-label-selector tier in (backend), namespace shop only)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("version lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "warning: helm-controller flux-system/helm-controller-shard1 runs v1.7.0") {
		t.Errorf("version: no warning for v1.7.0: %q", r.stderr)
	}

	r = h.run(t, userAdmin, "status", "checkout", "-n", "shop").mustSucceed(t)
	if !strings.Contains(r.stdout, "Controller:   flux-system/helm-controller-shard1 (v1.7.0)") {
		t.Errorf("status checkout does not name its controller:\n%s", r.stdout)
	}
	// The table on a terminal (script(1) gives it one), with each busy
	// controller's footer: logged for the README, not checked line by line.
	if _, err := exec.LookPath("script"); err == nil {
		cmdline := fmt.Sprintf("stty cols 150 rows 40; %q --kubeconfig %q status -A --color=never", h.bin, h.kubeconfigs[userAdmin])
		tty, err := exec.Command("script", "-qec", cmdline, "/dev/null").Output()
		if err != nil {
			t.Errorf("status -A on a terminal: %v", err)
		}
		table := strings.ReplaceAll(string(tty), "\r\n", "\n")
		if !strings.Contains(table, "unwatched") || !strings.Contains(table, "\ncontroller flux-system/helm-controller: 1/4 workers") {
			t.Errorf("the table does not show the unwatched releases:\n%s", table)
		}
		t.Logf("status -A on a terminal:\n%s", table)
	}

	// --controller-name pins one controller: it judges every release.
	r = h.run(t, userAdmin, "status", "-A", "-o", "json", "--controller-name", "helm-controller").mustSucceed(t)
	if strings.Contains(r.stdout, `"unwatched": true`) || strings.Contains(r.stdout, "controllerLoads") {
		t.Errorf("pinned: releases unwatched or several loads:\n%.2000s", r.stdout)
	}
}

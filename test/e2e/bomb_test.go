package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/history/historytest"
	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// bombSize is what the Secret expands to: the 600 MiB, from about
// 815 KB of storage data.
const bombSize = 600 << 20

// A storage Secret holding a gzip bomb, on the real API server: history
// --helm-storage refuses it with a note naming the Secret and shows the
// rest (exit 0: the other sources stand, as with any unreadable revision).
// The peak RSS it took is printed (the target, 100 MiB, is measured, not
// asserted: timings and memory are figures, not tests).
func TestHelmStorageBomb(t *testing.T) {
	h := env(t)
	ctx := context.Background()
	const ns, name = "bomb-e2e", "bombed"
	if err := fixtures.EnsureNamespace(ctx, h.admin, ns); err != nil {
		t.Fatal(err)
	}
	hr := h.createRelease(t, fixtures.Release{Name: name, Namespace: ns, State: fixtures.Retrying})
	storageNS, release := storageOf(hr)
	data := historytest.Bomb(bombSize)
	secret := historytest.Secret(release, 1, data, time.Now())
	secret.Namespace, secret.CreationTimestamp = storageNS, metav1.Time{}
	if err := h.admin.Create(ctx, &secret); err != nil {
		t.Fatalf("creating the bomb (%d bytes): %v", len(data), err)
	}
	t.Cleanup(func() { _ = h.admin.Delete(context.Background(), &corev1.Secret{ObjectMeta: secret.ObjectMeta}) })

	r := h.run(t, userAdmin, "history", name, "-n", ns, "--helm-storage")
	want := fmt.Sprintf("refused: Secret %s/%s expands to more than 32 MiB", storageNS, secret.Name)
	if r.code != 0 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stdout, "1 unreadable") {
		t.Errorf("exit %d; want 0, %q on stderr and the revision unreadable\nstdout:\n%s\nstderr:\n%s", r.code, want, r.stdout, r.stderr)
	}
	// The figure the issue asks for, printed like the harness's start-up time.
	fmt.Fprintf(os.Stderr, "e2e: history --helm-storage, %d KB Secret expanding to %d MiB: refused in %.2fs, peak RSS %.1f MiB\n",
		len(data)>>10, bombSize>>20, r.took.Seconds(), float64(r.maxRSS)/(1<<20))
}

// storageOf is where the controller stores hr's release, as the plugin
// reads it (internal/cmd storageRef).
func storageOf(hr *v2.HelmRelease) (namespace, release string) {
	namespace, release = hr.Status.StorageNamespace, hr.GetReleaseName()
	if namespace == "" {
		namespace = hr.GetStorageNamespace()
	}
	if latest := hr.Status.History.Latest(); latest != nil && latest.Name != "" {
		release = latest.Name
		if latest.Namespace != "" && hr.Status.StorageNamespace == "" {
			namespace = latest.Namespace
		}
	}
	return namespace, release
}

// Package historytest builds Helm release revisions and their storage
// Secrets, encoded as Helm stores them (JSON, gzip, base64), for the tests
// of pkg/history, pkg/render and the commands. The story: revision 1
// installs shop 1.0.0; the upgrade to 2.0.0 runs a migration hook and
// fails; revision 3 rolls back to 1.
package historytest

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	rspb "helm.sh/helm/v4/pkg/release/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// T0 is when revision 1 was installed; the other times follow it.
var T0 = time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)

const (
	Namespace = "apps"
	Name      = "shop"
)

// Manifests of the two chart versions.
const manifestV1 = `---
# Source: shop/templates/pvc.yaml
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
  namespace: apps
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
# Source: shop/templates/config.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: config
  namespace: apps
data: {mode: classic}
---
# Source: shop/templates/legacy.yaml
apiVersion: v1
kind: Service
metadata:
  name: legacy
  namespace: apps
spec:
  ports: [{port: 80}]
---
# Source: shop/templates/web.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
spec:
  template:
    spec:
      containers:
      - name: web
        image: ghcr.io/example/shop:1.0.0
        readinessProbe: {httpGet: {path: /ready, port: 8080}}
---
# Source: shop/templates/db.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: apps
spec:
  template:
    spec:
      containers:
      - name: db
        image: postgres:16
        readinessProbe: {exec: {command: [pg_isready]}}
        startupProbe: {exec: {command: [pg_isready]}}
  volumeClaimTemplates:
  - metadata: {name: pgdata}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 5Gi}}}
`

const manifestV2 = `---
# Source: shop/templates/pvc.yaml
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
  namespace: apps
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
# Source: shop/templates/cache.yaml
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: cache
  namespace: apps
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
# Source: shop/templates/config.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: config
  namespace: apps
data: {mode: "new\u001b[31m"}
---
# Source: shop/templates/keep.yaml
apiVersion: v1
kind: Secret
metadata:
  name: api-key
  namespace: apps
  annotations: {helm.sh/resource-policy: keep}
---
# Source: shop/templates/web.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
spec:
  template:
    spec:
      containers:
      - name: web
        image: ghcr.io/example/shop:2.0.0
        readinessProbe: {httpGet: {path: /ready, port: 8080}}
---
# Source: shop/templates/db.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: apps
spec:
  template:
    spec:
      containers:
      - name: db
        image: postgres:16
        readinessProbe: {exec: {command: [pg_isready]}}
        startupProbe: {exec: {command: [pg_isready]}}
  volumeClaimTemplates:
  - metadata: {name: pgdata}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 5Gi}}}
`

func crd(name, versions string) string {
	return fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %s
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions: %s
`, name, versions)
}

func shopChart(version string, crds map[string]string) *chart.Chart {
	c := &chart.Chart{Metadata: &chart.Metadata{Name: Name, Version: version, APIVersion: "v2"}}
	for file, data := range crds {
		c.Files = append(c.Files, &common.File{Name: "crds/" + file, Data: []byte(data)})
	}
	return c
}

func at(d time.Duration) time.Time { return T0.Add(d) }

// Releases are the three revisions of the story, oldest first.
func Releases() []*rspb.Release {
	v1 := &rspb.Release{Name: Name, Namespace: Namespace, Version: 1, Manifest: manifestV1,
		Chart: shopChart("1.0.0", map[string]string{"widgets.yaml": crd("widgets.example.com", "[{name: v1, served: true, storage: true}]")}),
		Info: &rspb.Info{Status: rcommon.StatusSuperseded, Description: "Install complete",
			FirstDeployed: at(0), LastDeployed: at(0)}}
	migrate := `apiVersion: batch/v1
kind: Job
metadata:
  name: shop-upgrade-step
  annotations: {helm.sh/hook: pre-upgrade, example.com/purpose: schema-migration}
`
	v2 := &rspb.Release{Name: Name, Namespace: Namespace, Version: 2, Manifest: manifestV2,
		Chart: shopChart("2.0.0", map[string]string{
			"widgets.yaml": crd("widgets.example.com", "[{name: v1, served: true, storage: false}, {name: v2, served: true, storage: true}]"),
			"gadgets.yaml": crd("gadgets.example.com", "[{name: v1, served: true, storage: true}]"),
		}),
		Info: &rspb.Info{Status: rcommon.StatusFailed, Description: "Upgrade \"shop\" failed: context deadline exceeded",
			FirstDeployed: at(0), LastDeployed: at(10 * time.Minute)},
		Hooks: []*rspb.Hook{
			{Name: "notify", Kind: "ConfigMap", Events: []rspb.HookEvent{rspb.HookPreUpgrade},
				LastRun: rspb.HookExecution{StartedAt: at(9 * time.Minute), CompletedAt: at(9 * time.Minute), Phase: rspb.HookPhaseSucceeded}},
			{Name: "shop-upgrade-step", Kind: "Job", Manifest: migrate, Events: []rspb.HookEvent{rspb.HookPreUpgrade},
				LastRun: rspb.HookExecution{StartedAt: at(9*time.Minute + 5*time.Second), CompletedAt: at(9*time.Minute + 35*time.Second), Phase: rspb.HookPhaseSucceeded}},
			{Name: "shop-post", Kind: "Job", Events: []rspb.HookEvent{rspb.HookPostUpgrade}},
			{Name: "shop-test", Kind: "Pod", Events: []rspb.HookEvent{rspb.HookTest}},
		}}
	v3 := &rspb.Release{Name: Name, Namespace: Namespace, Version: 3, Manifest: manifestV1, Chart: v1.Chart,
		Info: &rspb.Info{Status: rcommon.StatusDeployed, Description: "Rollback to 1",
			FirstDeployed: at(0), LastDeployed: at(16 * time.Minute)}}
	return []*rspb.Release{v1, v2, v3}
}

// Encode is Helm's storage format: the release as JSON, gzipped, base64.
func Encode(rel *rspb.Release) []byte {
	b, err := json.Marshal(rel)
	if err != nil {
		panic(err) // the fixtures always marshal
	}
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return []byte(base64.StdEncoding.EncodeToString(buf.Bytes()))
}

// Secret is the storage Secret of one revision holding data.
func Secret(name string, version int, data []byte, created time.Time) corev1.Secret {
	return corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("sh.helm.release.v1.%s.v%d", name, version), Namespace: Namespace,
			CreationTimestamp: metav1.NewTime(created),
			Labels:            map[string]string{"owner": "helm", "name": name, "version": strconv.Itoa(version)}},
		Type: "helm.sh/release.v1",
		Data: map[string][]byte{"release": data},
	}
}

// Secrets are the storage of rels, newest first (the order must not
// matter).
func Secrets(rels ...*rspb.Release) []corev1.Secret {
	out := make([]corev1.Secret, 0, len(rels))
	for i := len(rels) - 1; i >= 0; i-- {
		r := rels[i]
		out = append(out, Secret(r.Name, r.Version, Encode(r), r.Info.LastDeployed))
	}
	return out
}

// Bomb is storage data that expands to about expanded bytes of release
// JSON (one long string), compressed as tightly as gzip can: 600 MiB
// takes about 815 KB, within a Secret's 1 MiB. Anyone who may write
// Secrets in the storage namespace can store it.
func Bomb(expanded int) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = w.Write([]byte(`{"name":"`))
	chunk := bytes.Repeat([]byte{'a'}, 1<<20)
	for n := 0; n < expanded; n += len(chunk) {
		_, _ = w.Write(chunk[:min(len(chunk), expanded-n)])
	}
	_, _ = w.Write([]byte(`"}`))
	_ = w.Close()
	return []byte(base64.StdEncoding.EncodeToString(buf.Bytes()))
}

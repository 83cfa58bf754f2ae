package history

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// object is one resource of a rendered manifest, with the parts the risk
// analysis reads.
type object struct {
	Kind   string
	Name   string
	NS     string
	Ann    map[string]string
	canon  []byte // the object as canonical JSON, to tell changed from equal
	pod    *corev1.PodSpec
	claims []corev1.PersistentVolumeClaim // a StatefulSet's volumeClaimTemplates
}

// ref is how a risk names the object: Kind/name, or Kind/namespace/name.
func (o *object) ref() string {
	if o.NS == "" {
		return o.Kind + "/" + o.Name
	}
	return o.Kind + "/" + o.NS + "/" + o.Name
}

// key identifies the object across revisions (the API group is left out:
// a Kind that moved group is still the same object to a reader).
func (o *object) key() string { return o.ref() }

// header is what every manifest document has, decoded leniently.
type header struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
}

// workload holds the pod templates of every workload kind.
type workload struct {
	Spec struct {
		Template             *corev1.PodTemplateSpec        `json:"template"`
		VolumeClaimTemplates []corev1.PersistentVolumeClaim `json:"volumeClaimTemplates"`
		JobTemplate          *struct {
			Spec struct {
				Template *corev1.PodTemplateSpec `json:"template"`
			} `json:"spec"`
		} `json:"jobTemplate"`
		Containers []corev1.Container `json:"containers"` // a bare Pod
	} `json:"spec"`
}

// parseManifest splits a rendered manifest with Helm's own splitter and
// decodes each document. A document that does not parse is skipped: the
// risks are about what can be read, and Helm itself applied it.
func parseManifest(manifest string) []*object {
	docs := releaseutil.SplitManifests(manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	var out []*object
	for _, k := range keys {
		if o := parseObject(docs[k]); o != nil {
			out = append(out, o)
		}
	}
	return out
}

// parseObject decodes one document, under the guard every decoder of the
// cluster's bytes runs under: a document that panics the YAML or JSON
// decoder is skipped like one that does not parse.
func parseObject(doc string) (o *object) {
	if strings.TrimSpace(doc) == "" {
		return nil
	}
	_ = inspect.DecodeSafely("a manifest document", func() error {
		o = parseObjectUnguarded(doc)
		return nil
	})
	return o
}

func parseObjectUnguarded(doc string) *object {
	raw, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		return nil
	}
	var h header
	if json.Unmarshal(raw, &h) != nil || h.Kind == "" || h.Metadata.Name == "" {
		return nil
	}
	o := &object{Kind: h.Kind, Name: h.Metadata.Name, NS: h.Metadata.Namespace, Ann: h.Metadata.Annotations}
	o.canon = canonical(raw)
	var w workload
	if json.Unmarshal(raw, &w) == nil {
		switch {
		case w.Spec.Template != nil:
			o.pod = &w.Spec.Template.Spec
		case w.Spec.JobTemplate != nil && w.Spec.JobTemplate.Spec.Template != nil:
			o.pod = &w.Spec.JobTemplate.Spec.Template.Spec
		case h.Kind == "Pod":
			o.pod = &corev1.PodSpec{Containers: w.Spec.Containers}
		}
		if h.Kind == "StatefulSet" {
			o.claims = w.Spec.VolumeClaimTemplates
		}
	}
	return o
}

// canonical re-encodes JSON with sorted keys, so that two renderings
// differing only in key order compare equal.
func canonical(raw []byte) []byte {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return b
}

func sameObject(a, b *object) bool { return bytes.Equal(a.canon, b.canon) }

// images maps container name to image, init containers included.
func (o *object) images() map[string]string {
	if o.pod == nil {
		return nil
	}
	m := map[string]string{}
	for _, c := range append(append([]corev1.Container{}, o.pod.InitContainers...), o.pod.Containers...) {
		m[c.Name] = c.Image
	}
	return m
}

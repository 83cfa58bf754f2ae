package inspect

import (
	v2 "github.com/fluxcd/helm-controller/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// decodeQuick decodes raw as the lean struct would (managedFields, values,
// postRenderers and inventory skipped) or says errQuick (quick.go).
func decodeQuick(raw []byte) (*v2.HelmRelease, error) {
	hr := &v2.HelmRelease{}
	err := DecodeSafely("the HelmRelease", func() error {
		q := quick{b: raw}
		if err := q.release(hr); err != nil {
			return err
		}
		if q.peek(); q.i != len(raw) {
			return errQuick // something after the object
		}
		return nil
	})
	if err != nil {
		return nil, errQuick
	}
	return hr, nil
}

func (q *quick) release(hr *v2.HelmRelease) error {
	m := members{of: quickNames.release}
	for q.next(&m) {
		switch string(m.name) {
		case "apiVersion":
			hr.APIVersion, m.err = q.word()
		case "kind":
			hr.Kind, m.err = q.word()
		case "metadata":
			m.err = q.meta(&hr.ObjectMeta)
		case "spec":
			m.err = q.spec(&hr.Spec)
		case "status":
			m.err = q.status(&hr.Status)
		default:
			m.err = q.cold(&m, hr)
		}
	}
	return m.err
}

func (q *quick) meta(o *metav1.ObjectMeta) error {
	m := members{of: quickNames.meta}
	for q.next(&m) {
		switch string(m.name) {
		case "name":
			o.Name, m.err = q.str()
		case "namespace":
			o.Namespace, m.err = q.str()
		case "uid":
			var s string
			s, m.err = q.str()
			o.UID = types.UID(s)
		case "resourceVersion":
			o.ResourceVersion, m.err = q.str()
		case "generation":
			o.Generation, m.err = q.int64()
		case "creationTimestamp":
			o.CreationTimestamp, m.err = q.time()
		case "labels":
			o.Labels, m.err = q.stringMap()
		case "annotations":
			o.Annotations, m.err = q.stringMap()
		case "finalizers":
			o.Finalizers, m.err = q.stringList()
		case "managedFields":
			m.err = q.skip(0)
		default:
			m.err = q.cold(&m, o)
		}
	}
	return m.err
}

func (q *quick) spec(s *v2.HelmReleaseSpec) error {
	m := members{of: quickNames.spec}
	for q.next(&m) {
		switch string(m.name) {
		case "chart":
			s.Chart = &v2.HelmChartTemplate{}
			m.err = q.chart(s.Chart)
		case "interval":
			s.Interval, m.err = q.duration()
		case "timeout":
			var d metav1.Duration
			d, m.err = q.duration()
			s.Timeout = &d
		case "suspend":
			s.Suspend, m.err = q.bool()
		case "releaseName":
			s.ReleaseName, m.err = q.str()
		case "targetNamespace":
			s.TargetNamespace, m.err = q.str()
		case "storageNamespace":
			s.StorageNamespace, m.err = q.str()
		case "install":
			s.Install = &v2.Install{}
			m.err = q.install(s.Install)
		case "upgrade":
			s.Upgrade = &v2.Upgrade{}
			m.err = q.upgrade(s.Upgrade)
		case "values", "postRenderers":
			m.err = q.skip(0)
		default:
			m.err = q.cold(&m, s)
		}
	}
	return m.err
}

func (q *quick) chart(c *v2.HelmChartTemplate) error {
	m := members{of: quickNames.chart}
	for q.next(&m) {
		if string(m.name) == "spec" {
			m.err = q.chartSpec(&c.Spec)
			continue
		}
		m.err = q.cold(&m, c)
	}
	return m.err
}

func (q *quick) chartSpec(s *v2.HelmChartTemplateSpec) error {
	m := members{of: quickNames.chartSpec}
	for q.next(&m) {
		switch string(m.name) {
		case "chart":
			s.Chart, m.err = q.str()
		case "version":
			s.Version, m.err = q.str()
		case "reconcileStrategy":
			s.ReconcileStrategy, m.err = q.word()
		case "sourceRef":
			m.err = q.sourceRef(&s.SourceRef)
		default:
			m.err = q.cold(&m, s)
		}
	}
	return m.err
}

func (q *quick) sourceRef(r *v2.CrossNamespaceObjectReference) error {
	m := members{of: quickNames.sourceRef}
	for q.next(&m) {
		switch string(m.name) {
		case "apiVersion":
			r.APIVersion, m.err = q.word()
		case "kind":
			r.Kind, m.err = q.word()
		case "name":
			r.Name, m.err = q.str()
		case "namespace":
			r.Namespace, m.err = q.word()
		default:
			m.err = q.cold(&m, r)
		}
	}
	return m.err
}

package inspect

import (
	v2 "github.com/fluxcd/helm-controller/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func (q *quick) status(s *v2.HelmReleaseStatus) error {
	m := members{of: quickNames.status}
	for q.next(&m) {
		switch string(m.name) {
		case "observedGeneration":
			s.ObservedGeneration, m.err = q.int64()
		case "lastAttemptedGeneration":
			s.LastAttemptedGeneration, m.err = q.int64()
		case "conditions":
			s.Conditions, m.err = q.conditions()
		case "history":
			s.History, m.err = q.history()
		case "helmChart":
			s.HelmChart, m.err = q.str()
		case "storageNamespace":
			s.StorageNamespace, m.err = q.str()
		case "lastAttemptedReleaseAction":
			var a string
			a, m.err = q.word()
			s.LastAttemptedReleaseAction = v2.ReleaseAction(a)
		case "lastAttemptedReleaseActionDuration":
			var d metav1.Duration
			d, m.err = q.duration()
			s.LastAttemptedReleaseActionDuration = &d
		case "failures":
			s.Failures, m.err = q.int64()
		case "installFailures":
			s.InstallFailures, m.err = q.int64()
		case "upgradeFailures":
			s.UpgradeFailures, m.err = q.int64()
		case "lastAttemptedRevision":
			s.LastAttemptedRevision, m.err = q.str()
		case "lastAttemptedConfigDigest":
			s.LastAttemptedConfigDigest, m.err = q.str()
		case "lastHandledReconcileAt":
			s.LastHandledReconcileAt, m.err = q.str()
		case "inventory":
			m.err = q.skip(0)
		default:
			m.err = q.cold(&m, s)
		}
	}
	return m.err
}

// conditions reads the array; [] is an empty slice, as encoding/json has it.
func (q *quick) conditions() ([]metav1.Condition, error) {
	out := make([]metav1.Condition, 0, 4)
	err := q.array(func() error {
		out = append(out, metav1.Condition{})
		return q.condition(&out[len(out)-1])
	})
	return out, err
}

func (q *quick) condition(c *metav1.Condition) error {
	m := members{of: quickNames.condition}
	for q.next(&m) {
		switch string(m.name) {
		case "type":
			c.Type, m.err = q.word()
		case "status":
			var s string
			s, m.err = q.word()
			c.Status = metav1.ConditionStatus(s)
		case "observedGeneration":
			c.ObservedGeneration, m.err = q.int64()
		case "lastTransitionTime":
			c.LastTransitionTime, m.err = q.time()
		case "reason":
			c.Reason, m.err = q.word()
		case "message":
			c.Message, m.err = q.str()
		default:
			m.err = q.cold(&m, c)
		}
	}
	return m.err
}

func (q *quick) history() (v2.Snapshots, error) {
	out := make(v2.Snapshots, 0, 2)
	err := q.array(func() error {
		s := &v2.Snapshot{}
		out = append(out, s)
		return q.snapshot(s)
	})
	return out, err
}

func (q *quick) snapshot(s *v2.Snapshot) error {
	m := members{of: quickNames.snapshot}
	for q.next(&m) {
		switch string(m.name) {
		case "apiVersion":
			s.APIVersion, m.err = q.word()
		case "digest":
			s.Digest, m.err = q.str()
		case "name":
			s.Name, m.err = q.str()
		case "namespace":
			s.Namespace, m.err = q.str()
		case "version":
			s.Version, m.err = q.int()
		case "status":
			s.Status, m.err = q.word()
		case "action":
			var a string
			a, m.err = q.word()
			s.Action = v2.ReleaseAction(a)
		case "chartName":
			s.ChartName, m.err = q.str()
		case "chartVersion":
			s.ChartVersion, m.err = q.str()
		case "appVersion":
			s.AppVersion, m.err = q.str()
		case "configDigest":
			s.ConfigDigest, m.err = q.str()
		case "firstDeployed":
			s.FirstDeployed, m.err = q.time()
		case "lastDeployed":
			s.LastDeployed, m.err = q.time()
		case "deleted":
			s.Deleted, m.err = q.time()
		default:
			m.err = q.cold(&m, s)
		}
	}
	return m.err
}

// array calls elem for each element of an array.
func (q *quick) array(elem func() error) error {
	if !q.consume('[') {
		return errQuick
	}
	if q.consume(']') {
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		if q.consume(',') {
			continue
		}
		if q.consume(']') {
			return nil
		}
		return errQuick
	}
}

// stringList reads an array of strings.
func (q *quick) stringList() ([]string, error) {
	out := make([]string, 0, 1)
	err := q.array(func() error {
		s, err := q.word()
		out = append(out, s)
		return err
	})
	return out, err
}

// stringMap reads an object of strings; a later duplicate key wins, as in
// encoding/json.
func (q *quick) stringMap() (map[string]string, error) {
	if !q.consume('{') {
		return nil, errQuick
	}
	out := map[string]string{}
	if q.consume('}') {
		return out, nil
	}
	for {
		k, err := q.str()
		if err != nil || !q.consume(':') {
			return nil, errQuick
		}
		if out[k], err = q.str(); err != nil {
			return nil, err
		}
		if q.consume(',') {
			continue
		}
		if q.consume('}') {
			return out, nil
		}
		return nil, errQuick
	}
}

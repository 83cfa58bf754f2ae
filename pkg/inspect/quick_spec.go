package inspect

import (
	v2 "github.com/fluxcd/helm-controller/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The quick decoder's readers of spec.install and spec.upgrade: a quarter
// of a fleet sets one (a remediation's retries, RetryOnFailure and its
// interval), and each took the JSON v2 module's reflection, a tenth of the
// decoding (10 × 1,000 replayed, issue 26). Their other members (the
// Disable* switches, crds, force) are rare and stay cold.

func (q *quick) install(in *v2.Install) error {
	m := members{of: quickNames.install}
	for q.next(&m) {
		switch string(m.name) {
		case "timeout":
			in.Timeout, m.err = q.durationPtr()
		case "strategy":
			in.Strategy = &v2.InstallStrategy{}
			m.err = q.strategy(quickNames.installStrategy, in.Strategy, &in.Strategy.Name, &in.Strategy.RetryInterval)
		case "remediation":
			in.Remediation = &v2.InstallRemediation{}
			r := in.Remediation
			m.err = q.remediation(quickNames.installRemediation, r, &r.Retries, &r.IgnoreTestFailures, &r.RemediateLastFailure, nil)
		default:
			m.err = q.cold(&m, in)
		}
	}
	return m.err
}

func (q *quick) upgrade(up *v2.Upgrade) error {
	m := members{of: quickNames.upgrade}
	for q.next(&m) {
		switch string(m.name) {
		case "timeout":
			up.Timeout, m.err = q.durationPtr()
		case "strategy":
			up.Strategy = &v2.UpgradeStrategy{}
			m.err = q.strategy(quickNames.upgradeStrategy, up.Strategy, &up.Strategy.Name, &up.Strategy.RetryInterval)
		case "remediation":
			up.Remediation = &v2.UpgradeRemediation{}
			r := up.Remediation
			m.err = q.remediation(quickNames.upgradeRemediation, r, &r.Retries, &r.IgnoreTestFailures, &r.RemediateLastFailure, &r.Strategy)
		default:
			m.err = q.cold(&m, up)
		}
	}
	return m.err
}

// strategy reads an InstallStrategy or UpgradeStrategy (the same members),
// dst being the struct of, name and interval its fields.
func (q *quick) strategy(of *fields, dst any, name *string, interval **metav1.Duration) error {
	m := members{of: of}
	for q.next(&m) {
		switch string(m.name) {
		case "name":
			*name, m.err = q.word()
		case "retryInterval":
			*interval, m.err = q.durationPtr()
		default:
			m.err = q.cold(&m, dst)
		}
	}
	return m.err
}

// remediation reads an InstallRemediation or UpgradeRemediation, dst being
// the struct of and the rest its fields (strategy nil for the install's).
func (q *quick) remediation(of *fields, dst any, retries *int, ignoreTests, remediateLast **bool,
	strategy **v2.RemediationStrategy) error {
	m := members{of: of}
	for q.next(&m) {
		switch {
		case string(m.name) == "retries":
			*retries, m.err = q.int()
		case string(m.name) == "ignoreTestFailures":
			*ignoreTests, m.err = q.boolPtr()
		case string(m.name) == "remediateLastFailure":
			*remediateLast, m.err = q.boolPtr()
		case string(m.name) == "strategy" && strategy != nil:
			var s string
			s, m.err = q.word()
			rs := v2.RemediationStrategy(s)
			*strategy = &rs
		default:
			m.err = q.cold(&m, dst)
		}
	}
	return m.err
}

// durationPtr is duration for a *metav1.Duration field.
func (q *quick) durationPtr() (*metav1.Duration, error) {
	d, err := q.duration()
	return &d, err
}

// boolPtr is bool for a *bool field.
func (q *quick) boolPtr() (*bool, error) {
	b, err := q.bool()
	return &b, err
}

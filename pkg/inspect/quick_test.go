package inspect

import (
	"os"
	"reflect"
	"testing"

	v2 "github.com/fluxcd/helm-controller/api/v2"
)

// asLean is hr in the lean struct's shape, for normalized.
func asLean(hr *v2.HelmRelease) leanRelease {
	return leanRelease{TypeMeta: hr.TypeMeta, Metadata: leanMeta{ObjectMeta: hr.ObjectMeta},
		Spec: leanSpec{HelmReleaseSpec: hr.Spec}, Status: leanStatus{HelmReleaseStatus: hr.Status}}
}

// FuzzQuickDecode: what the quick decoder takes, encoding/json takes too
// and decodes to the same object, and the JSON v2 path (decodeLean, the
// path it goes before) decodes to a deeply equal one: the same times in
// the same zone, the same nil and empty slices and maps. What it does not
// take costs only time: decodeLean then decodes it.
func FuzzQuickDecode(f *testing.F) {
	addStateSeeds(f)
	addLeanSeeds(f)
	for _, in := range []string{`{"metadata":{"name":"a","name":"b"}}`, `{"metadata":{"labels":{"a":"1","a":"2"}}}`,
		`{"metadata":{"finalizers":[]},"status":{"conditions":[],"history":[]}}`, `{"metadata":{"labels":null}}`,
		`{"spec":{"chart":{"spec":{"chart":"c","sourceRef":{"kind":"HelmRepository","name":"r"},"valuesFiles":["a"]}}}}`,
		`{"spec":{"install":{"remediation":{"retries":3}},"upgrade":{"strategy":{"name":"RetryOnFailure","retryInterval":"1m"}}}}`,
		`{"status":{"lastAttemptedReleaseActionDuration":"1s","lastHandledReconcileAt":"x","unknown":[1,{"x":[]}]}}`,
		`{"metadata":{"name":"caf\u00e9 \"x\"","annotations":{"k\n":"v\u2028"}}}`, `{"metadata":{"name":"\xff"}}`,
		`{"metadata":{"generation":-0}}`, `{"metadata":{"generation":-9223372036854775808}}`, `{"status":{"history":[{"version":1e0}]}}`,
		`{"spec":{"suspend":true,"suspend":false}}`, `{"Spec":{"suspend":true}}`, `{"spec":{"ſuspend":true}}`,
		`{"metadata":{"creationTimestamp":"2026-11-23T10:27:28.5+01:00","deletionTimestamp":"2026-11-23T10:27:28Z"}}`,
		` {"kind":"HelmRelease"} `, `{"kind":"HelmRelease"}{}`, `{"kind":"Helm\u0000Release"}`, `{"status":{"failures":01}}`,
		`{"status":{"conditions":[{"type":"Ready"},]}}`, `{"x":-}`, `{"x":1.}`, `{"x":1e}`, `{"x":"\u12g4"}`, `{"x":tru}`,
		`{"metadata":{"managedFields":[{"a":[1,{"b":null}],"c":{},"d":[[],[true,false]]},[],{}]}}`, `{"metadata":{"managedFields":[{"a" 1}]}}`,
		`{"metadata":{"managedFields":[1,]}}`, `{"metadata":{"managedFields":{"a":1,}}}`, `{"metadata":{"managedFields":[{"a":1}}}`,
		`{"metadata":{"managedFields":[{"a":1]}}`, `{"metadata":{"managedFields":[{"a":"\x01"}]}}`, `{"metadata":{"managedFields":[{1:2}]}}`,
		`{"metadata":{"name":"a\/b\tc\"d\\e\bf\fg\rh\ni"}}`, `{"metadata":{"name":"é\n\u00e9"}}`, "{\"metadata\":{\"name\":\"\xff\\n\"}}",
		"{\"metadata\":{\"name\":\"\xc3\\n\xa9\"}}", `{"metadata":{"name":"\q"}}`, `{"metadata":{"name":"ab\"}}`,
		`{"spec":{"install":{"timeout":"5m","strategy":{"name":"RetryOnFailure","retryInterval":"30s"},"remediation":{"retries":-1,"ignoreTestFailures":true,"remediateLastFailure":false},"disableWait":true,"crds":"CreateReplace"}}}`,
		`{"spec":{"upgrade":{"remediation":{"retries":2,"strategy":"uninstall","remediateLastFailure":true},"strategy":{"name":"RemediateOnFailure"},"force":true,"serverSideApply":"enabled"}}}`,
		`{"spec":{"install":null,"upgrade":{"remediation":null}}}`, `{"spec":{"upgrade":{"remediation":{"retries":1,"retries":2}}}}`,
		`{"spec":{"install":{"remediation":{"strategy":"rollback","ignoreTestFailures":null}}}}`, `{"spec":{"upgrade":{"strategy":{"retryInterval":"x"}}}}`,
		`{"spec":{"upgrade":{"Remediation":{"retries":1}}}}`, `{"spec":{"install":{"strategy":{"name":"RetryOnFailure","extra":[1]}}}}`,
		`{"metadata":{"creationTimestamp":"2024-02-29T23:59:59Z"}}`, `{"metadata":{"creationTimestamp":"2023-02-29T00:00:00Z"}}`,
		`{"metadata":{"creationTimestamp":"2026-04-31T00:00:00Z"}}`, `{"metadata":{"creationTimestamp":"2026-12-07T24:00:00Z"}}`,
		`{"metadata":{"creationTimestamp":"2026-12-07T10:60:00Z"}}`, `{"metadata":{"creationTimestamp":"2026-12-07T10:00:60Z"}}`,
		`{"metadata":{"creationTimestamp":"0000-01-01T00:00:00Z"}}`, `{"metadata":{"creationTimestamp":"2026-00-07T10:00:00Z"}}`,
		`{"metadata":{"creationTimestamp":"2026-12-07t10:00:00z"}}`, `{"metadata":{"creationTimestamp":"2026-12-07T10:00:0-Z"}}`} {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := decodeQuick(raw)
		if err != nil {
			return
		}
		want, errStd := decodeLeanStd(raw)
		if errStd != nil {
			t.Fatalf("the quick decoder takes what encoding/json rejects (%v): %q", errStd, raw)
		}
		if g, w := normalized(t, asLean(got)), normalized(t, want); g != w {
			t.Errorf("the quick decoder and encoding/json disagree on %q:\n quick %s\n   std %s", raw, g, w)
		}
		lean, err := decodeLean(raw)
		if err != nil {
			t.Fatalf("the quick decoder takes what decodeLean rejects (%v): %q", err, raw)
		}
		if !reflect.DeepEqual(got, lean) {
			t.Errorf("the quick decoder and decodeLean disagree on %q:\n quick %#v\n  lean %#v", raw, got, lean)
		}
	})
}

// TestQuickTakesWhatTheAPIServerWrites: every state fixture and the
// realistic object (managed fields, values, inventory, remediation
// settings) take the quick path; were they to fall to decodeLean the
// decoder would be only a cost.
func TestQuickTakesWhatTheAPIServerWrites(t *testing.T) {
	f := &testing.F{}
	raws := stateJSONs(f)
	realistic, err := os.ReadFile("testdata/realistic.json")
	if err != nil {
		t.Fatal(err)
	}
	for i, raw := range append(raws, realistic) {
		if _, err := decodeQuick(raw); err != nil {
			t.Errorf("object %d: %v", i, err)
		}
	}
}

// TestQuickLeavesTheRareToTheOthers: what encoding/json decodes by rules
// the quick decoder does not follow is refused, so decodeLean decodes it:
// a name in another case (encoding/json folds it), a duplicate (it
// merges), a null (it leaves a field as it was), a number with a fraction
// (an error there), a non-ASCII name (Unicode folding), an escaped name.
// Each would decode differently were it taken as it reads.
func TestQuickLeavesTheRareToTheOthers(t *testing.T) {
	for _, in := range []string{`{"Spec":{"suspend":true}}`, `{"spec":{"Suspend":true}}`,
		`{"spec":{"suspend":true},"spec":{"interval":"1m"}}`, `{"metadata":{"labels":null}}`,
		`{"metadata":{"generation":1.0}}`, `{"spec":{"ſuspend":true}}`, `{"spec":{"su\u0073pend":true}}`,
		`{"status":{"history":[null]}}`, `{"metadata":{"name":"a"}} x`} {
		if _, err := decodeQuick([]byte(in)); err == nil {
			t.Errorf("the quick decoder takes %s", in)
		}
		if hr, _ := DecodeJSON([]byte(in)); hr == nil {
			t.Errorf("DecodeJSON lost %s", in)
		}
	}
}

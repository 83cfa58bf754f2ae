package history_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/history"
	"github.com/hrretry/kubectl-hrretry/pkg/history/historytest"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func b64(b []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(b)) }

// corrupted are the ways a storage Secret goes wrong, each with what its
// note must say. The seed corpus of FuzzDecodeSecrets holds the same.
func corrupted() map[string][]byte {
	good := historytest.Encode(historytest.Releases()[0])
	raw, _ := base64.StdEncoding.DecodeString(string(good))
	return map[string][]byte{
		"bad base64":     []byte("%%% not base64 %%%"),
		"bad gzip":       b64(append([]byte{0x1f, 0x8b, 0x08}, []byte("not a gzip stream")...)),
		"truncated gzip": b64(raw[:len(raw)/2]),
		"truncated JSON": b64(gz([]byte(`{"name":"shop","version":1,"info":{"status":"depl`))),
		"not JSON":       b64([]byte("hello")),
		"wrong types":    b64(gz([]byte(`{"name":1,"version":"two"}`))),
		"empty":          nil,
	}
}

func TestDecodeSecretsOrderAndNotes(t *testing.T) {
	secrets := historytest.Secrets(historytest.Releases()...) // newest first
	bad := corrupted()
	v := 10
	for name, data := range bad {
		s := historytest.Secret("shop", v, data, historytest.T0)
		s.Name += "-" + strings.ReplaceAll(name, " ", "-")
		secrets = append(secrets, s)
		v++
	}
	revs := history.DecodeSecrets(secrets)
	layers := map[string]string{"bad-base64": "not base64", "bad-gzip": "not a whole gzip stream",
		"truncated-gzip": "not a whole gzip stream", "truncated-JSON": "not valid JSON", "not-JSON": "not valid JSON",
		"wrong-types": "does not match Helm's release type", "empty": "no release data"}
	for _, r := range revs {
		for suffix, want := range layers {
			if strings.HasSuffix(r.Secret, "-"+suffix) && !strings.Contains(r.Note, want) {
				t.Errorf("%s: note %q, want it to say %q", r.Secret, r.Note, want)
			}
		}
	}
	if len(revs) != 3+len(bad) {
		t.Fatalf("%d revisions, want %d", len(revs), 3+len(bad))
	}
	for i, r := range revs {
		if i > 0 && r.Version < revs[i-1].Version {
			t.Errorf("revision %d after %d: want oldest first", r.Version, revs[i-1].Version)
		}
		t.Logf("%s: %s", r.Secret, r.Note)
		switch {
		case r.Version <= 3 && (r.Release == nil || r.Note != ""):
			t.Errorf("revision %d: %q, want decoded", r.Version, r.Note)
		case r.Version > 3 && (r.Release != nil || !strings.HasPrefix(r.Note, "cannot decode the release")):
			t.Errorf("%s: release %v, note %q: want a note and no release", r.Secret, r.Release != nil, r.Note)
		}
	}
	if revs[1].Release.Info.Description != `Upgrade "shop" failed: context deadline exceeded` {
		t.Errorf("revision 2's description = %q", revs[1].Release.Info.Description)
	}
}

// FuzzDecodeSecrets: whatever a storage Secret holds, decoding gives a
// release or a note (never neither) and never panics, nor does building
// the timeline from it.
func FuzzDecodeSecrets(f *testing.F) {
	for _, data := range corrupted() {
		f.Add(data)
	}
	f.Add(historytest.Encode(historytest.Releases()[1]))
	f.Fuzz(func(t *testing.T, data []byte) {
		revs := history.DecodeSecrets([]corev1.Secret{historytest.Secret("shop", 2, data, historytest.T0)})
		if len(revs) != 1 {
			t.Fatalf("%d revisions from one Secret", len(revs))
		}
		if r := revs[0]; r.Release == nil && r.Note == "" {
			t.Fatalf("%s: neither a release nor a note", r.Secret)
		}
		_ = history.Build(history.Input{Storage: revs})
	})
}

// FuzzRollbackRisks: whatever the failed revision's manifest holds (Helm
// applied it, anyone could have written the Secret), comparing it with the
// rollback target never panics and names every risk with a kind and an
// object.
func FuzzRollbackRisks(f *testing.F) {
	rels := historytest.Releases()
	f.Add(rels[1].Manifest)
	f.Add(rels[0].Manifest)
	f.Add("---\nkind: PersistentVolumeClaim\nmetadata: {name: x, annotations: {helm.sh/resource-policy: keep}}\n")
	f.Add("kind: StatefulSet\nmetadata: {name: s}\nspec: {volumeClaimTemplates: [{}], template: {spec: {containers: [{readinessProbe: {}}]}}}")
	next := inspect.RetryState{Remediation: inspect.Remediation{Next: inspect.ActionRollback, ToRevision: 1}}
	f.Fuzz(func(t *testing.T, manifest string) {
		failed := *rels[1]
		failed.Manifest = manifest
		revs := []history.Revision{{Version: 1, Release: rels[0]}, {Version: 2, Release: &failed}}
		pair, risks := history.RollbackRisks(revs, next)
		if pair == nil {
			t.Fatal("no rollback pair")
		}
		for _, r := range risks {
			if r.Kind == "" || r.Object == "" || r.Reason == "" {
				t.Fatalf("incomplete risk %+v", r)
			}
		}
	})
}

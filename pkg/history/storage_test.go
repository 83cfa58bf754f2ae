package history_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

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

// FuzzDecodeSecrets: whatever a Secret holds, decoding gives a release or
// a note (never neither) and never panics, nor does the risk analysis of
// what decoded: the fuzzed Secret is the failed revision 2 of a rollback to
// a good revision 1.
func FuzzDecodeSecrets(f *testing.F) {
	for _, data := range corrupted() {
		f.Add(data)
	}
	f.Add(historytest.Encode(historytest.Releases()[1]))
	good := historytest.Secrets(historytest.Releases()[0])
	next := inspect.RetryState{Remediation: inspect.Remediation{Next: inspect.ActionRollback, ToRevision: 1}}
	f.Fuzz(func(t *testing.T, data []byte) {
		secrets := append(slices.Clone(good), historytest.Secret("shop", 2, data, historytest.T0))
		revs := history.DecodeSecrets(secrets)
		if len(revs) != 2 {
			t.Fatalf("%d revisions from two Secrets", len(revs))
		}
		for _, r := range revs {
			if r.Release == nil && r.Note == "" {
				t.Fatalf("%s: neither a release nor a note", r.Secret)
			}
		}
		_, _ = history.RollbackRisks(revs, next)
		_ = history.Build(history.Input{Storage: revs, State: next})
	})
}

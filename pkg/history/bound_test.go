package history_test

import (
	"strings"
	"testing"

	"github.com/hrretry/kubectl-hrretry/pkg/history"
	"github.com/hrretry/kubectl-hrretry/pkg/history/historytest"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// A Secret that expands past the cap is refused unread, with a note
// naming it; the other revisions are read as before.
func TestDecodeSecretsRefusesBomb(t *testing.T) {
	secrets := historytest.Secrets(historytest.Releases()...)
	bomb := historytest.Secret("shop", 4, historytest.Bomb(history.MaxReleaseSize+1), historytest.T0)
	secrets = append(secrets, bomb)
	revs := history.DecodeSecrets(secrets)
	last := revs[len(revs)-1]
	want := "refused: Secret apps/sh.helm.release.v1.shop.v4 expands to more than 32 MiB"
	if !last.Refused || last.Release != nil || !strings.HasPrefix(last.Note, want) {
		t.Errorf("the bomb: refused %v, note %q; want refused, %q", last.Refused, last.Note, want)
	}
	for _, r := range revs[:3] {
		if r.Release == nil || r.Note != "" {
			t.Errorf("revision %d: %q, want decoded", r.Version, r.Note)
		}
	}
	rep := history.Build(history.Input{Storage: revs, StorageNamespace: "apps"})
	if len(rep.Notes) != 1 || !strings.HasPrefix(rep.Notes[0], want) {
		t.Errorf("report notes %q: want the refusal", rep.Notes)
	}
	// Just under the cap is decoded (and fails as the JSON it is).
	under := historytest.Secret("shop", 5, historytest.Bomb(history.MaxReleaseSize-100), historytest.T0)
	if r := history.DecodeSecrets(append(secrets[:0:0], under))[0]; r.Refused {
		t.Errorf("a release under the cap was refused: %s", r.Note)
	}
}

// Each revision keeps what the timeline reads; the rollback pair is read
// whole again, so the risks are those of the whole releases.
func TestDecodeSecretsLean(t *testing.T) {
	rels := historytest.Releases()
	revs := history.DecodeSecrets(historytest.Secrets(rels...))
	for _, r := range revs {
		if r.Release.Manifest != "" || len(r.Release.Chart.Templates) > 0 || r.Release.Config != nil {
			t.Errorf("revision %d keeps its manifest, templates or values", r.Version)
		}
		if r.Release.Info == nil || r.Release.Chart.Metadata == nil {
			t.Errorf("revision %d lost its info or chart metadata", r.Version)
		}
	}
	whole := []history.Revision{{Version: 1, Release: rels[0]}, {Version: 2, Release: rels[1]}, {Version: 3, Release: rels[2]}}
	st := inspect.RetryState{}
	_, fromLean := history.RollbackRisks(revs, st)
	_, fromWhole := history.RollbackRisks(whole, st)
	if len(fromLean) == 0 || len(fromLean) != len(fromWhole) {
		t.Fatalf("risks from the storage %v, from the whole releases %v", fromLean, fromWhole)
	}
	for i := range fromLean {
		if fromLean[i] != fromWhole[i] {
			t.Errorf("risk %d: %+v, want %+v", i, fromLean[i], fromWhole[i])
		}
	}
}

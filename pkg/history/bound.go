package history

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"

	chart "helm.sh/helm/v4/pkg/chart/v2"
	rspb "helm.sh/helm/v4/pkg/release/v1"
)

// MaxReleaseSize is the most one stored release may expand to before it is
// decoded. Helm's storage Secret holds at most 1 MiB (the API server's
// limit), gzip-compressed; a real release, rendered manifests and chart
// files included, expands to a few MiB (kube-prometheus-stack's: ~6 MiB).
// Anything larger is not a release Helm wrote: 815 KB of base64 can expand
// to 600 MiB, and Helm's decoder would hold all of it, then its JSON
// decoding, in memory.
const MaxReleaseSize = 32 << 20

// expandedSize is how many bytes the release JSON in a Secret's data takes,
// counted by streaming it (base64, then gzip when Helm compressed it, the
// layers Helm's decoder unwraps) to nowhere, and no further than limit+1:
// the count costs a gzip window, not the release. A layer that does not
// decode stops the count where it breaks; Helm's decoder then says why.
func expandedSize(data []byte, limit int64) int64 {
	br := bufio.NewReader(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(data)))
	var r io.Reader = br
	if magic, err := br.Peek(3); err == nil && bytes.Equal(magic, []byte{0x1f, 0x8b, 0x08}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return 0
		}
		r = zr
	}
	n, _ := io.CopyN(io.Discard, r, limit+1)
	return n
}

// refusal is the note of a Secret refused unread: it names the Secret, so
// whoever wrote it can be found.
func refusal(namespace, secret string) string {
	return fmt.Sprintf("refused: Secret %s/%s expands to more than %d MiB, far more than any release Helm writes; "+
		"it was not decoded (check who may write Secrets in namespace %s)", namespace, secret, MaxReleaseSize>>20, namespace)
}

// lean is the part of a decoded release the timeline and the choice of the
// rollback pair read: its info, chart metadata and hooks' runs. The
// manifests, values and chart files, most of a release's bytes, are
// dropped: they are read again, from the Secret, for the two revisions a
// rollback compares (full), so a long history holds two whole releases at
// most.
func lean(rel *rspb.Release) *rspb.Release {
	out := &rspb.Release{Name: rel.Name, Namespace: rel.Namespace, Version: rel.Version, Info: rel.Info}
	if rel.Chart != nil {
		out.Chart = &chart.Chart{Metadata: rel.Chart.Metadata}
	}
	for _, h := range rel.Hooks {
		if h == nil {
			continue
		}
		c := *h
		c.Manifest = ""
		out.Hooks = append(out.Hooks, &c)
	}
	return out
}

// full is the whole release of one revision: decoded again from its Secret
// when the list holds a lean copy, as is otherwise.
func full(revs []Revision, version int) *rspb.Release {
	for _, r := range revs {
		if r.Version != version || r.Release == nil || r.Release.Info == nil {
			continue
		}
		if r.secret == nil {
			return r.Release
		}
		if whole := decodeSecret(r.secret, true); whole.Release != nil {
			return whole.Release
		}
		return nil
	}
	return nil
}

// Refusals are the notes of the Secrets refused unread, for stderr: a
// Secret that size is someone's doing, and the reader must hear of it.
func Refusals(revs []Revision) []string {
	var out []string
	for _, r := range revs {
		if r.Refused {
			out = append(out, r.Note)
		}
	}
	return out
}

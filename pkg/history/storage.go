package history

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"helm.sh/helm/v4/pkg/release"
	rspb "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// Revision is one revision of a Helm release as its storage Secret holds
// it, or, when the Secret cannot be decoded, the note saying why.
type Revision struct {
	Secret  string        // the Secret's name (sh.helm.release.v1.NAME.vN)
	Created time.Time     // the Secret's creationTimestamp: when the revision was stored
	Version int           // the revision, from the release or else the Secret's label
	Release *rspb.Release // nil when the Secret cannot be decoded; lean (bound.go) from DecodeSecrets
	Note    string        // why this revision cannot be (fully) read
	// Refused: the Secret was not decoded at all, being larger than any
	// release (MaxReleaseSize); Note names it.
	Refused bool

	secret *corev1.Secret // where the whole release is read again (full)
}

// DecodeSecrets decodes Helm's storage Secrets of one release, oldest
// revision first. It runs Helm's own driver and release types
// (helm.sh/helm/v4 v4.2.4, what helm-controller v1.6.4 stores releases
// with) rather than a decoder of our own: they add 3.1 % to the release
// binary (67.4 to 69.5 MB, 37 packages), well under the 30 % that would
// have justified one. One Secret at a time: Helm's List and Query skip a
// Secret they cannot decode without a word, and a corrupted revision must
// cost that revision only, with a note. No I/O: the driver reads from the
// Secrets given.
//
// Memory is bounded: a Secret that expands past MaxReleaseSize is refused
// unread, and each revision keeps only what the timeline reads (lean); the
// two a rollback compares are decoded whole again when asked (full).
func DecodeSecrets(secrets []corev1.Secret) []Revision {
	out := make([]Revision, 0, len(secrets))
	for i := range secrets {
		out = append(out, decodeSecret(&secrets[i], false))
	}
	slices.SortStableFunc(out, func(a, b Revision) int { return cmp.Compare(a.Version, b.Version) })
	return out
}

// decodeSecret decodes one Secret, whole or lean. Helm's decoder is not
// ours to audit for every input: a Secret anyone with write access to the
// namespace can craft is size-checked first and decoded under
// inspect.DecodeSafely, so it costs its revision only.
func decodeSecret(s *corev1.Secret, whole bool) (r Revision) {
	r = Revision{Secret: s.Name, Created: s.CreationTimestamp.Time, secret: s}
	r.Version, _ = strconv.Atoi(s.Labels["version"])
	if expandedSize(s.Data["release"], MaxReleaseSize) > MaxReleaseSize {
		r.Note, r.Refused = refusal(s.Namespace, s.Name), true
		return r
	}
	var rel release.Releaser
	err := inspect.DecodeSafely("the release", func() (err error) {
		rel, err = driver.NewSecrets(oneSecret{s: s}).Get(s.Name)
		return err
	})
	var panicked *inspect.DecodePanic
	if errors.As(err, &panicked) {
		r.Note = panicked.Error()
		return r
	}
	if err != nil {
		r.Note = "cannot decode the release: " + layer(s.Data["release"], err)
		return r
	}
	v1, ok := rel.(*rspb.Release)
	if !ok || v1 == nil {
		r.Note = fmt.Sprintf("cannot decode the release: unsupported release type %T", rel)
		return r
	}
	if v1.Info == nil {
		r.Note = "the release has no info (status, times): the Secret is incomplete"
	}
	if v1.Version != 0 {
		r.Version = v1.Version
	}
	r.Release = v1
	if !whole {
		r.Release = lean(v1)
	}
	return r
}

// oneSecret is the SecretInterface Helm's driver reads through: it serves
// one Secret already fetched. Helm's Get calls Get only; every other method
// refuses rather than panic.
type oneSecret struct {
	typedcorev1.SecretInterface // nil: never called, see the methods below
	s                           *corev1.Secret
}

func (o oneSecret) Get(_ context.Context, name string, _ metav1.GetOptions) (*corev1.Secret, error) {
	if name != o.s.Name {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
	}
	return o.s, nil
}

// layer says which layer of Helm's format (base64, then gzip, then JSON)
// a Secret breaks, for a note a person can act on: Helm's error alone says
// "unexpected EOF" for a truncated gzip stream. It re-reads the data only
// after Helm's decoder has failed on it.
func layer(data []byte, helmErr error) string {
	if len(data) == 0 {
		return "the Secret has no release data"
	}
	raw, err := base64.StdEncoding.DecodeString(string(data))
	if err != nil {
		return "the release data is not base64 (" + err.Error() + ")"
	}
	if bytes.HasPrefix(raw, []byte{0x1f, 0x8b, 0x08}) {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err == nil {
			raw, err = io.ReadAll(io.LimitReader(zr, 64<<20))
		}
		if err != nil {
			return "the release data is not a whole gzip stream (" + err.Error() + ")"
		}
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(helmErr, &syntax), !json.Valid(raw):
		return "the release is not valid JSON (" + unwrapAll(helmErr).Error() + ")"
	case errors.As(helmErr, &typ):
		return "the release JSON does not match Helm's release type (" + unwrapAll(helmErr).Error() + ")"
	}
	return unwrapAll(helmErr).Error()
}

// unwrapAll is the innermost error, without Helm's "get: failed to decode
// data NAME" prefix that repeats the Secret's name.
func unwrapAll(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

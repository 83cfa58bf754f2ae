package cmd

import (
	"context"
	"fmt"
	"strings"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/hrretry/kubectl-hrretry/pkg/history"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// storageRef is where Helm stores a release: the storage namespace and the
// release name. The newest snapshot names the release as the controller
// stored it (a long name is shortened with a hash); the spec's rule is the
// fallback for a release that has none yet.
func storageRef(hr *v2.HelmRelease) (namespace, release string) {
	namespace, release = hr.Status.StorageNamespace, hr.GetReleaseName()
	if namespace == "" {
		namespace = hr.GetStorageNamespace()
	}
	if latest := hr.Status.History.Latest(); latest != nil && latest.Name != "" {
		release = latest.Name
		if latest.Namespace != "" && hr.Status.StorageNamespace == "" {
			namespace = latest.Namespace
		}
	}
	return namespace, release
}

// readStorage lists and decodes the release's storage Secrets. A failure
// is a note, not an error: the rest of the history stands without them.
func readStorage(ctx context.Context, c Cluster, hr *v2.HelmRelease) (revs []history.Revision, namespace, note string) {
	namespace, release := storageRef(hr)
	secrets, err := c.ReleaseSecrets(ctx, namespace, release)
	if err != nil {
		return nil, namespace, readNote("list", "secrets", namespace, err,
			"Helm's storage (--helm-storage) is left out: the revisions, their hooks and the rollback risks")
	}
	return history.DecodeSecrets(secrets), namespace, ""
}

// readEvents lists the release's Events through events.k8s.io/v1 and, when
// that is refused, core/v1: the two serve the same objects, and a role may
// grant either.
func readEvents(ctx context.Context, c Cluster, namespace, name string) (in history.Input, note string) {
	evs, err := c.Events(ctx, namespace, name)
	if err == nil {
		in.Events = evs
		return in, ""
	}
	core, coreErr := c.CoreEvents(ctx, namespace, name)
	if coreErr == nil {
		in.CoreEvents = core
		return in, ""
	}
	return in, readNote("list", "events", namespace, coreErr, "the Events are left out")
}

// readNote is one sentence on a read that failed: the missing permission
// when it is one, and what the output lacks because of it.
func readNote(verb, resource, namespace string, err error, lacks string) string {
	if apierrors.IsForbidden(err) {
		return fmt.Sprintf("forbidden: you may not %s %s in namespace %s; %s (ask your cluster admin for that permission, see README, RBAC)",
			verb, resource, namespace, lacks)
	}
	return fmt.Sprintf("cannot %s %s in namespace %s (%v); %s", verb, resource, namespace, err, lacks)
}

// withStorage reads Helm's storage for one analyzed release and puts the
// rollback risks on its state in place of the generic warning.
func withStorage(ctx context.Context, c Cluster, d inspect.Decoded, st inspect.RetryState) (inspect.RetryState, string) {
	revs, _, note := readStorage(ctx, c, d.Object)
	if note != "" {
		return st, note
	}
	pair, risks := history.RollbackRisks(revs, st)
	return history.WithRisks(st, pair, risks), strings.Join(history.Refusals(revs), "\n")
}

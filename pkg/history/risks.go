package history

import (
	"fmt"
	"slices"
	"strings"

	rspb "helm.sh/helm/v4/pkg/release/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// Risk kinds, stable for scripts (docs/schema.md), in the order they are
// listed: what cannot be undone first, the plain manifest diff last.
const (
	RiskHook             = "hook"
	RiskPVC              = "pvc"
	RiskClaimTemplate    = "volumeClaimTemplate"
	RiskCRD              = "crd"
	RiskKeep             = "keep"
	RiskReadinessNoStart = "readinessWithoutStartup"
	RiskImage            = "image"
	RiskChanged          = "changed"
	RiskAdded            = "added"
	RiskRemoved          = "removed"
	RiskUnreadable       = "unreadable"
	annotationKeepPolicy = "helm.sh/resource-policy"
	keepPolicy           = "keep"
	migrationWord        = "migrat" // migrate, migration, migrations, migrator
)

// compare lists what rolling back from failed to target leaves behind.
func compare(failed, target *rspb.Release, p inspect.RollbackPair) []inspect.RollbackRisk {
	from, to := parseManifest(failed.Manifest), parseManifest(target.Manifest)
	toByKey := index(to)
	c := &comparison{p: p}
	c.hooks(failed.Hooks)
	c.volumes(from, toByKey)
	c.crds(failed, target)
	c.keep(from, toByKey)
	c.probes(to)
	c.diff(from, to, toByKey)
	return c.risks
}

type comparison struct {
	p      inspect.RollbackPair
	risks  []inspect.RollbackRisk
	listed map[string]bool // objects a risk above the diff already names
}

func (c *comparison) add(kind, object, format string, args ...any) {
	c.risks = append(c.risks, inspect.RollbackRisk{Kind: kind, Object: object, Reason: fmt.Sprintf(format, args...)})
}

func (c *comparison) mark(key string) {
	if c.listed == nil {
		c.listed = map[string]bool{}
	}
	c.listed[key] = true
}

func index(objs []*object) map[string]*object {
	m := make(map[string]*object, len(objs))
	for _, o := range objs {
		m[o.key()] = o
	}
	return m
}

// hooks: every hook that ran in the failed revision (tests apart) did its
// work, and a rollback runs only the target's rollback hooks. Jobs named or
// annotated like migrations come first: their effect is the hardest to undo.
func (c *comparison) hooks(hooks []*rspb.Hook) {
	var ran []*rspb.Hook
	for _, h := range hooks {
		if h != nil && !h.LastRun.StartedAt.IsZero() && !slices.Contains(h.Events, rspb.HookTest) {
			ran = append(ran, h)
		}
	}
	slices.SortStableFunc(ran, func(a, b *rspb.Hook) int {
		ma, mb := isMigration(a), isMigration(b)
		switch {
		case ma && !mb:
			return -1
		case mb && !ma:
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	for _, h := range ran {
		what := "its effects stay"
		if isMigration(h) {
			what = "a migration: what it changed (a schema, data) stays, and the rolled-back version must cope with it"
		}
		c.add(RiskHook, h.Kind+"/"+h.Name, "%s hook ran in revision %d (%s): %s; a rollback runs only the rollback hooks of revision %d",
			hookEvents(h), c.p.Failed, h.LastRun.Phase, what, c.p.Target)
	}
}

func isMigration(h *rspb.Hook) bool {
	if h.Kind != "Job" {
		return false
	}
	if strings.Contains(strings.ToLower(h.Name), migrationWord) {
		return true
	}
	o := parseObject(h.Manifest)
	if o == nil {
		return false
	}
	for k, v := range o.Ann {
		if strings.Contains(strings.ToLower(k), migrationWord) || strings.Contains(strings.ToLower(v), migrationWord) {
			return true
		}
	}
	return false
}

package history

import (
	"slices"
	"strings"

	rspb "helm.sh/helm/v4/pkg/release/v1"
)

// volumes: a PersistentVolumeClaim keeps the data the failed release left;
// one only the failed revision has is deleted by the rollback (unless
// kept). A StatefulSet's claims are never deleted nor reverted by Helm.
func (c *comparison) volumes(from []*object, to map[string]*object) {
	for _, o := range from {
		switch {
		case o.Kind == "PersistentVolumeClaim" && to[o.key()] != nil:
			c.add(RiskPVC, o.ref(), "its data stays as revision %d left it: a rollback reverts the claim's manifest, not the volume's content", c.p.Failed)
		case o.Kind == "PersistentVolumeClaim" && o.Ann[annotationKeepPolicy] == keepPolicy:
			c.add(RiskPVC, o.ref(), "only revision %d has it, and it is kept (helm.sh/resource-policy: keep): it stays, with its data", c.p.Failed)
		case o.Kind == "PersistentVolumeClaim":
			c.add(RiskPVC, o.ref(), "only revision %d has it: the rollback deletes the claim, and with a Delete reclaim policy the volume's data", c.p.Failed)
		case o.Kind == "StatefulSet" && len(o.claims) > 0:
			names := make([]string, 0, len(o.claims))
			for _, t := range o.claims {
				names = append(names, t.Name)
			}
			c.add(RiskClaimTemplate, o.ref(), "volumeClaimTemplates %s: the claims the pods made are never deleted nor reverted; their data stays as revision %d left it",
				strings.Join(names, ", "), c.p.Failed)
		default:
			continue
		}
		c.mark(o.key())
	}
}

// crds: Helm installs the chart's crds/ on install only; it never upgrades
// nor deletes them, so neither the failed upgrade nor the rollback touched
// what the cluster has.
func (c *comparison) crds(failed, target *rspb.Release) {
	from, to := crdFiles(failed), crdFiles(target)
	for _, name := range sortedKeys(from) {
		switch old, ok := to[name]; {
		case !ok:
			c.add(RiskCRD, "CustomResourceDefinition/"+name, "new in revision %d's crds/: Helm creates it only at install and never deletes it, so a rollback leaves it (and its custom resources)", c.p.Failed)
		case old != from[name]:
			c.add(RiskCRD, "CustomResourceDefinition/"+name, "changed in revision %d's crds/: Helm never upgrades nor rolls back crds/, so the cluster keeps the version first installed; check it serves revision %d", c.p.Failed, c.p.Target)
		default:
			c.add(RiskCRD, "CustomResourceDefinition/"+name, "shipped in crds/: Helm never upgrades, rolls back nor deletes it; the rollback leaves it as it is")
		}
	}
}

// crdFiles maps each CRD's name to its document, from the chart's crds/.
func crdFiles(rel *rspb.Release) map[string]string {
	m := map[string]string{}
	if rel.Chart == nil {
		return m
	}
	for _, f := range rel.Chart.CRDObjects() {
		if f.File == nil {
			continue
		}
		for _, o := range parseManifest(string(f.File.Data)) {
			if o.Kind == "CustomResourceDefinition" {
				m[o.Name] = string(o.canon)
			}
		}
	}
	return m
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// keep: Helm never deletes an object with helm.sh/resource-policy: keep.
func (c *comparison) keep(from []*object, to map[string]*object) {
	for _, o := range from {
		if o.Ann[annotationKeepPolicy] != keepPolicy || c.listed[o.key()] {
			continue
		}
		if to[o.key()] == nil {
			c.add(RiskKeep, o.ref(), "helm.sh/resource-policy: keep: revision %d does not have it, and the rollback leaves it in place", c.p.Target)
		} else {
			c.add(RiskKeep, o.ref(), "helm.sh/resource-policy: keep: Helm never deletes it, whatever the rollback")
		}
		c.mark(o.key())
	}
}

// probes: a rolled-back pod whose readiness probe has no startup probe may
// be reported ready before the application has come back up (on the data
// the failed release left), and the rollback then reports success.
func (c *comparison) probes(to []*object) {
	for _, o := range to {
		if o.pod == nil {
			continue
		}
		var names []string
		for _, ct := range o.pod.Containers {
			if ct.ReadinessProbe != nil && ct.StartupProbe == nil {
				names = append(names, ct.Name)
			}
		}
		if len(names) > 0 {
			c.add(RiskReadinessNoStart, o.ref(), "container %s: a readiness probe and no startup probe: the rolled-back pods may be ready before the application is", strings.Join(names, ", "))
		}
	}
}

// diff: the manifest difference, image changes first, then other changes,
// then objects the rollback deletes and those it creates again.
func (c *comparison) diff(from, to []*object, toByKey map[string]*object) {
	fromByKey := index(from)
	var changed, added, removed []*object
	for _, o := range from {
		switch old := toByKey[o.key()]; {
		case old == nil && !c.listed[o.key()]:
			added = append(added, o)
		case old == nil:
		case !sameObject(o, old):
			if !c.images(o, old) {
				changed = append(changed, o)
			}
		}
	}
	for _, o := range to {
		if fromByKey[o.key()] == nil {
			removed = append(removed, o)
		}
	}
	for _, o := range changed {
		c.add(RiskChanged, o.ref(), "differs between revisions %d and %d: the rollback restores revision %d's", c.p.Failed, c.p.Target, c.p.Target)
	}
	for _, o := range added {
		c.add(RiskAdded, o.ref(), "only revision %d has it: the rollback deletes it", c.p.Failed)
	}
	for _, o := range removed {
		c.add(RiskRemoved, o.ref(), "only revision %d has it: the rollback creates it again", c.p.Target)
	}
}

// images adds one risk per container whose image differs, during the
// scan, so they come before the other changes; false if none differs.
func (c *comparison) images(now, old *object) bool {
	a, b := now.images(), old.images()
	found := false
	for _, name := range sortedKeys(a) {
		if b[name] != "" && a[name] != b[name] {
			c.add(RiskImage, now.ref(), "container %s: %s in revision %d, %s after the rollback", name, a[name], c.p.Failed, b[name])
			found = true
		}
	}
	return found
}

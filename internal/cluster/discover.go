package cluster

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// Controllers are the helm-controllers of one cluster, and how they were
// found. With one controller that judges everything (pinned by
// --controller-name, or the only one), matching is skipped: every release
// gets its settings, as before sharding was considered.
type Controllers struct {
	List []Controller
	// All: List has one controller that judges every release, whatever
	// its scope (pinned, or its Deployment could not be read).
	All bool
	// Note is the one line on stderr about how they were read ("" when
	// nothing is worth saying).
	Note string
	// Unread, when set, says why no Deployment could be read (List then
	// holds one controller with the defaults).
	Unread string
}

// Single is one controller, namespace/name, that judges every release by s
// (settings read some other way, or the defaults).
func Single(namespace, name string, s inspect.Settings, note string) Controllers {
	return Controllers{List: []Controller{{Namespace: namespace, Name: name, Settings: s}}, All: true, Note: note}
}

// Match is the controller that reconciles a release, by index in List
// (-1: none), a second one that selects it too (-1: none), and, when none
// does, why (each controller's clause).
type Match struct {
	Owner, Also int
	Why         string
}

// Match finds the controller of a release in namespace with these labels.
func (cs *Controllers) Match(namespace string, lbls map[string]string) Match {
	if cs.All || len(cs.List) == 0 {
		return Match{Owner: 0, Also: -1}
	}
	m := Match{Owner: -1, Also: -1}
	var whys []string
	for i := range cs.List {
		ok, why := cs.List[i].Watches(namespace, lbls)
		switch {
		case !ok:
			whys = append(whys, why)
		case m.Owner < 0:
			m.Owner = i
		case m.Also < 0:
			m.Also = i
		}
	}
	if m.Owner < 0 {
		m.Why = strings.Join(whys, "; ")
	}
	return m
}

// SettingsFor are the settings a release is judged by: its controller's,
// named, or the defaults marked unwatched with why.
func (cs *Controllers) SettingsFor(m Match) inspect.Settings {
	if len(cs.List) == 0 {
		return inspect.DefaultSettings()
	}
	if m.Owner < 0 {
		s := inspect.DefaultSettings()
		s.Unwatched = m.Why
		return s
	}
	c := &cs.List[m.Owner]
	s := c.Settings
	if !cs.All || c.Version != "" {
		s.Owner = &inspect.Owner{Name: c.Ref(), Version: c.Version}
	}
	return s
}

// Controllers finds the helm-controllers in namespace. pinned (the user
// named one with --controller-name) reads that Deployment alone, as
// ControllerSettings does, and judges every release by it. Otherwise it
// lists the namespace's Deployments and keeps those running
// helm-controller; when the list is refused or finds none, it falls back
// to the Deployment name, so a user without list rights loses nothing.
func (c *Client) Controllers(ctx context.Context, namespace, name string, pinned bool) Controllers {
	if !pinned {
		list, err := c.kube.AppsV1().Deployments(namespace).List(ctx, metav1.ListOptions{})
		if err == nil {
			var deps []*appsv1.Deployment
			for i := range list.Items {
				if IsHelmController(&list.Items[i]) {
					deps = append(deps, &list.Items[i])
				}
			}
			if len(deps) > 0 {
				return Discovered(c.controllersOf(ctx, deps))
			}
		}
	}
	dep, err := c.kube.AppsV1().Deployments(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		s, note := unreadSettings(err, namespace, name)
		cs := Single(namespace, name, s, note)
		cs.Unread = whyUnread(err, namespace, name)
		return cs
	}
	one := c.controllersOf(ctx, []*appsv1.Deployment{dep})[0]
	cs := Controllers{List: []Controller{one}, All: true}
	if len(one.Problems) > 0 {
		cs.Note = "note: some helm-controller flags could not be read, their defaults are used: " + strings.Join(one.Problems, "; ")
	}
	return cs
}

// Discovered are the controllers a list found, in name order. One
// controller with no scope judges everything (no matching to do).
func Discovered(found []Controller) Controllers {
	sort.Slice(found, func(i, j int) bool { return found[i].Ref() < found[j].Ref() })
	cs := Controllers{List: found}
	var problems []string
	for _, c := range found {
		for _, p := range c.Problems {
			problems = append(problems, c.Ref()+": "+p)
		}
	}
	if len(problems) > 0 {
		cs.Note = "note: some helm-controller flags could not be read, their defaults are used: " + strings.Join(problems, "; ")
	}
	if len(found) == 1 && found[0].selector == nil && found[0].WatchNamespace == "" {
		cs.All = true
	}
	return cs
}

// Refs names the controllers, for messages.
func (cs *Controllers) Refs() string {
	refs := make([]string, len(cs.List))
	for i := range cs.List {
		refs[i] = cs.List[i].Ref()
	}
	return strings.Join(refs, ", ")
}

// controllersOf reads each Deployment's controller, its health from its
// pods and Lease too (ControllerHealth), the Deployments at once: a sharded
// namespace costs one round trip more than one controller.
func (c *Client) controllersOf(ctx context.Context, deps []*appsv1.Deployment) []Controller {
	out := make([]Controller, len(deps))
	now := time.Now()
	var wg sync.WaitGroup
	for i, dep := range deps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = ControllerFromDeployment(dep)
			out[i].Settings.Controller = c.ControllerHealth(ctx, dep, now)
		}()
	}
	wg.Wait()
	return out
}

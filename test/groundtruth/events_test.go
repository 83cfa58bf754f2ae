package groundtruth

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// recordedEvent is one version of an Event about the release (the
// controller's recorder updates an Event's count and lastTimestamp in
// place), stamped with when the watch delivered it.
type recordedEvent struct {
	At    time.Time     `json:"at"`
	UID   string        `json:"uid"`
	Event inspect.Event `json:"event"`
}

// watchEvents records the core/v1 Events about the release, as the plugin
// reads them (internal/cluster CoreEvents: involvedObject kind and name),
// so that the offline analysis of a state has the evidence the binary had.
func (r *recorder) watchEvents(ctx context.Context, c client.WithWatch) {
	sel := fields.Set{"involvedObject.kind": "HelmRelease", "involvedObject.name": r.name}.AsSelector()
	rv := ""
	for ctx.Err() == nil {
		w, err := c.Watch(ctx, &corev1.EventList{}, client.InNamespace(r.ns), client.MatchingFieldsSelector{Selector: sel},
			&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: rv}})
		if err != nil {
			r.recordError(fmt.Errorf("events watch: %w", err))
			time.Sleep(200 * time.Millisecond)
			continue
		}
		for ev := range w.ResultChan() {
			at := time.Now()
			e, ok := ev.Object.(*corev1.Event)
			if !ok || (ev.Type != watch.Added && ev.Type != watch.Modified) {
				continue
			}
			rv = e.ResourceVersion
			got := inspect.EventsFromCore([]corev1.Event{*e})
			r.mu.Lock()
			r.events = append(r.events, recordedEvent{At: at, UID: string(e.UID), Event: got[0]})
			r.mu.Unlock()
		}
		w.Stop()
	}
}

// evidenceAt is the Events as a read at t would have found them: each
// Event's last version delivered by then. Called with r.mu held.
func (r *recorder) evidenceAt(t time.Time) inspect.Evidence {
	latest := map[string]inspect.Event{}
	var order []string
	for _, e := range r.events {
		if e.At.After(t) {
			break
		}
		if _, ok := latest[e.UID]; !ok {
			order = append(order, e.UID)
		}
		latest[e.UID] = e.Event
	}
	ev := inspect.Evidence{EventsRead: true}
	for _, uid := range order {
		ev.Events = append(ev.Events, latest[uid])
	}
	return ev
}

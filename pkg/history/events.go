package history

import (
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Flux's event metadata, set by helm-controller as annotations on its
// Events (internal/reconcile/release.go eventMeta: the group, "/", then
// fluxcd/pkg/apis/event's MetaRevisionKey and MetaTokenKey).
const (
	AnnotationRevision = "helm.toolkit.fluxcd.io/revision"
	AnnotationToken    = "helm.toolkit.fluxcd.io/token"
)

// eventEntries turns both APIs' Events into entries. core/v1 and
// events.k8s.io/v1 serve the same objects: an Event read through both
// keeps its events.k8s.io form (it has the series) and counts once.
// Events about another object (a careless caller's list) are left out.
func eventEntries(evs []eventsv1.Event, core []corev1.Event, name string) []Entry {
	seen := make(map[types.UID]bool, len(evs))
	out := make([]Entry, 0, len(evs)+len(core))
	for i := range evs {
		e := &evs[i]
		if name != "" && e.Regarding.Name != name {
			continue
		}
		if e.UID != "" {
			seen[e.UID] = true
		}
		out = append(out, newEventEntry(e.Type, e.Reason, e.Note, e.Annotations, eventTime(e), seriesCount(e)))
	}
	for i := range core {
		e := &core[i]
		if (e.UID != "" && seen[e.UID]) || (name != "" && e.InvolvedObject.Name != name) {
			continue
		}
		out = append(out, newEventEntry(e.Type, e.Reason, e.Message, e.Annotations, coreEventTime(e), e.Count))
	}
	return out
}

func newEventEntry(typ, reason, msg string, ann map[string]string, when metav1.Time, count int32) Entry {
	e := Entry{Time: at(when), Source: SourceEvent, Type: typ, Reason: reason, Message: msg,
		ChartVersion: ann[AnnotationRevision], Token: ann[AnnotationToken]}
	if count > 1 {
		e.Count = count
	}
	return e
}

// eventTime is when the Event last happened: the series' last observation,
// else its eventTime, else the deprecated timestamps a core/v1 client wrote.
func eventTime(e *eventsv1.Event) metav1.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return metav1.Time{Time: e.Series.LastObservedTime.Time}
	case !e.EventTime.IsZero():
		return metav1.Time{Time: e.EventTime.Time}
	case !e.DeprecatedLastTimestamp.IsZero():
		return e.DeprecatedLastTimestamp
	case !e.DeprecatedFirstTimestamp.IsZero():
		return e.DeprecatedFirstTimestamp
	}
	return e.CreationTimestamp
}

func seriesCount(e *eventsv1.Event) int32 {
	if e.Series != nil {
		return e.Series.Count
	}
	return e.DeprecatedCount
}

func coreEventTime(e *corev1.Event) metav1.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp
	case !e.EventTime.IsZero():
		return metav1.Time{Time: e.EventTime.Time}
	case !e.FirstTimestamp.IsZero():
		return e.FirstTimestamp
	}
	return e.CreationTimestamp
}

package inspect

import (
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
)

// Evidence is what the cluster keeps about a release beside the object
// itself. A failure before Helm writes nothing new to the object while the
// work queue's backoff doubles (the same condition, the same message), but
// the controller records an Event each time, and client-go's event
// correlator folds the repeats into one Event whose count and
// last timestamp move (tools/record EventCorrelator: the logger's
// dedup key is the message).
type Evidence struct {
	// EventsRead: the release's Events were listed (there may be none).
	EventsRead bool
	// EventsNote says why they were not, when not.
	EventsNote string
	Events     []Event
}

// Event is what the rules read of one Event about the release.
type Event struct {
	Type, Reason, Message string
	// Count is how many times the controller recorded it (1 for a
	// single occurrence; the correlator counts repeats).
	Count int32
	// First and Last are the first and last occurrence, to the second
	// (core/v1 firstTimestamp/lastTimestamp).
	First, Last time.Time
}

// EventsFromCore reads core/v1 Events, the API helm-controller's recorder
// writes (controller-runtime's GetEventRecorderFor: tools/record).
func EventsFromCore(in []corev1.Event) []Event {
	out := make([]Event, 0, len(in))
	for i := range in {
		e := &in[i]
		first, last := e.FirstTimestamp.Time, e.LastTimestamp.Time
		if last.IsZero() {
			last = e.EventTime.Time
		}
		if first.IsZero() {
			first = last
		}
		out = append(out, Event{Type: e.Type, Reason: e.Reason, Message: e.Message,
			Count: max(e.Count, 1), First: first, Last: last})
	}
	return out
}

// EventsFromV1 reads the same Events through events.k8s.io/v1, for a user
// allowed only that API: the core fields come back as deprecated*.
func EventsFromV1(in []eventsv1.Event) []Event {
	out := make([]Event, 0, len(in))
	for i := range in {
		e := &in[i]
		first, last, count := e.DeprecatedFirstTimestamp.Time, e.DeprecatedLastTimestamp.Time, e.DeprecatedCount
		if e.Series != nil {
			last, count = e.Series.LastObservedTime.Time, e.Series.Count
		}
		if last.IsZero() {
			last = e.EventTime.Time
		}
		if first.IsZero() {
			first = last
		}
		out = append(out, Event{Type: e.Type, Reason: e.Reason, Message: e.Note,
			Count: max(count, 1), First: first, Last: last})
	}
	return out
}

// latestFor is the newest Event of the failure the condition reports: the
// same reason, and a message the condition's contains or that contains
// the condition's (the controller records err.Error() and some conditions
// prefix it, as ArtifactFailed's "Could not load chart: "; a failed
// remediation's Event appends Helm's log). A restarted controller starts a new Event
// (its correlator's cache is empty) and a new backoff: the newest is the
// one that counts.
func (ev Evidence) latestFor(reason, message string) (Event, bool) {
	var best Event
	found := false
	for _, e := range ev.Events {
		// Some Events carry more than the condition (RollbackFailed adds
		// Helm's log), some less (a prefix on the condition).
		related := strings.Contains(message, e.Message) || strings.Contains(e.Message, message)
		if e.Reason != reason || e.Message == "" || !related {
			continue
		}
		if !found || e.Last.After(best.Last) {
			best, found = e, true
		}
	}
	return best, found
}

// before is the newest Event that ended before t, other than skip's kind
// and the reasons in also (Events each attempt of the streak records too).
func (ev Evidence) before(t time.Time, skip Event, also ...string) (Event, bool) {
	var best Event
	found := false
	for _, e := range ev.Events {
		if e.Reason == skip.Reason && e.Message == skip.Message || slices.Contains(also, e.Reason) {
			continue
		}
		if e.Last.After(t) {
			continue
		}
		if !found || e.Last.After(best.Last) {
			best, found = e, true
		}
	}
	return best, found
}

// missingNote is Next.Bound when the Events could not tell the count.
func (ev Evidence) missingNote() string {
	switch {
	case !ev.EventsRead && ev.EventsNote != "":
		return "no failure count: " + ev.EventsNote
	case !ev.EventsRead:
		return boundNoFailureCount
	}
	return "no failure count: no Event of this failure (expired after the API server's --event-ttl, or not recorded)"
}

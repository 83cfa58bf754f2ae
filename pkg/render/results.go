package render

import (
	"encoding/json"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/trigger"
)

// Kinds of the documented results of force and wait (docs/schema.md).
const (
	KindForceResult     = "ForceResult"
	KindForceResultList = "ForceResultList"
	KindWaitResult      = "WaitResult"
	KindWaitResultList  = "WaitResultList"
)

// ForceResultDocument is one release's outcome of `force -o json|yaml`.
type ForceResultDocument struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	// Outcome is the OUTCOME column: ready, patched, dry-run, not-honoured,
	// failed, stalled, timed-out, blocked, refused or error.
	Outcome trigger.Outcome `json:"outcome"`
	// Message is the controller's message, or the error, raw.
	Message string `json:"message,omitempty"`
	// Token is the value of the annotations the request wrote.
	Token string `json:"token,omitempty"`
	// State is the release as last read (a RetryState, with its wayOut),
	// when the result was read from the cluster.
	State *inspect.RetryState `json:"state,omitempty"`
}

// WaitResultDocument is one release's outcome of `wait -o json|yaml`.
type WaitResultDocument struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	Goal       string   `json:"goal"`
	// Verdict is reached, waiting (at --timeout), unreachable, gone or
	// superseded.
	Verdict inspect.Verdict `json:"verdict"`
	Why     string          `json:"why,omitempty"`
	// Waited is the generation the wait began with.
	Waited int64               `json:"waitedGeneration,omitempty"`
	State  *inspect.RetryState `json:"state,omitempty"`
}

// resultList is a List of results, like kubectl's.
type resultList struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Items      []any  `json:"items"`
}

// ForceResults writes force's results in out's format: one document for
// one NAME (single), a ForceResultList otherwise.
func ForceResults(w io.Writer, token string, results []trigger.Result, single bool, out Output) error {
	items := make([]any, 0, len(results))
	names := make([]string, 0, len(results))
	for _, r := range results {
		d := ForceResultDocument{APIVersion: APIVersion, Kind: KindForceResult,
			Metadata: Metadata{Name: r.Name, Namespace: r.Namespace}, Outcome: r.Outcome, Message: r.Message, Token: token}
		if r.Err != nil {
			d.Message = r.Err.Error()
		}
		if r.State != nil {
			st := WrapAs(*r.State, out.Command).RetryState
			d.State = &st
		}
		items, names = append(items, d), append(names, r.Name)
	}
	return printResults(w, items, names, KindForceResultList, single, out)
}

// WaitResults writes wait's judgement of each release in out's format;
// -o name lists those that reached the goal, as kubectl wait does.
func WaitResults(w io.Writer, goal inspect.Goal, items []WaitItem, single bool, out Output) error {
	docs := make([]any, 0, len(items))
	var names []string
	for _, it := range items {
		d := WaitResultDocument{APIVersion: APIVersion, Kind: KindWaitResult,
			Metadata: Metadata{Name: it.Name, Namespace: it.Namespace}, Goal: goal.String(),
			Verdict: it.Verdict, Why: it.Why, Waited: it.Waited}
		if it.State != nil {
			st := WrapAs(*it.State, out.Command).RetryState
			d.State = &st
		}
		docs = append(docs, d)
		if it.Verdict == inspect.VerdictReached {
			names = append(names, it.Name)
		}
	}
	return printResults(w, docs, names, KindWaitResultList, single, out)
}

// printResults prints result documents as json, yaml, name, jsonpath or
// go-template; custom-columns and the table are status's.
func printResults(w io.Writer, items []any, names []string, listKind string, single bool, out Output) error {
	var v any = resultList{APIVersion: APIVersion, Kind: listKind, Items: items}
	if single && len(items) == 1 {
		v = items[0]
	}
	switch out.Format {
	case "json":
		return jsonOne(w, v)
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("encoding YAML: %w", err)
		}
		_, err = w.Write(b)
		return err
	case "name":
		for _, n := range names {
			if _, err := fmt.Fprintf(w, "helmrelease.helm.toolkit.fluxcd.io/%s\n", n); err != nil {
				return err
			}
		}
		return nil
	}
	return printTemplate(w, v, out)
}

// printTemplate applies a jsonpath or go-template to v, as kubectl does.
func printTemplate(w io.Writer, v any, out Output) error {
	m, err := toMap(v)
	if err != nil {
		return err
	}
	p, err := templatePrinter(out, fmt.Errorf("-o %s is not supported here: use json, yaml, name, jsonpath or go-template", out.Format))
	if err != nil {
		return err
	}
	return p.PrintObj(&unstructured.Unstructured{Object: m}, w)
}

// compactJSON is one document on one line, for streams (`status --watch
// -o json`: one object per line, which jq reads as a sequence).
func compactJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WatchEvent is one change of `status --watch --output-watch-events`, as
// kubectl prints it: the event's type and the object.
type WatchEvent struct {
	Type   string   `json:"type"` // ADDED, MODIFIED, DELETED
	Object Document `json:"object"`
}

// WatchChange writes one change of `status --watch -o FORMAT`: a
// RetryState (or, with events, a WatchEvent around it) as one line of JSON,
// a YAML document after ---, a name, or the template's output.
func WatchChange(w io.Writer, st inspect.RetryState, eventType string, events bool, out Output) error {
	var v any = WrapAs(st, out.Command)
	if events {
		v = WatchEvent{Type: eventType, Object: WrapAs(st, out.Command)}
	}
	switch out.Format {
	case "json":
		return compactJSON(w, v)
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("encoding YAML: %w", err)
		}
		_, err = w.Write(append([]byte("---\n"), b...))
		return err
	case "name":
		prefix := ""
		if events {
			prefix = eventType + " "
		}
		_, err := fmt.Fprintf(w, "%shelmrelease.helm.toolkit.fluxcd.io/%s\n", prefix, st.Name)
		return err
	}
	return printTemplate(w, v, out)
}

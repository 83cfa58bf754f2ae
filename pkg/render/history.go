package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/hrretry/kubectl-hrretry/pkg/history"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// KindHistory is the kind of `history -o json|yaml`.
const KindHistory = "History"

// HistoryDocument is a history.Report as -o json|yaml prints it.
type HistoryDocument struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	history.Report
}

// WrapHistory gives a report its apiVersion and kind, and the state its
// wayOut sentences, spelled with command (Options.Command).
func WrapHistory(r history.Report, command string) HistoryDocument {
	r.State = WrapAs(r.State, command).RetryState
	return HistoryDocument{APIVersion: APIVersion, Kind: KindHistory, Metadata: Metadata{Name: r.Name, Namespace: r.Namespace}, Report: r}
}

// HistoryData writes the report as JSON or YAML. Values are raw.
func HistoryData(w io.Writer, r history.Report, format, command string) error {
	doc := WrapHistory(r, command)
	if format == "yaml" {
		out, err := yaml.Marshal(doc)
		if err != nil {
			return fmt.Errorf("encoding YAML: %w", err)
		}
		_, err = w.Write(out)
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "    ")
	return enc.Encode(doc)
}

// History writes the timeline, oldest first, one line per entry with its
// source, the prediction last; then the rollback risks. Times are absolute
// (a history is read against other logs); the prediction is relative on a
// terminal, as in status.
func History(w io.Writer, r history.Report, o Options) error {
	pal := palette{on: o.Color}
	b := &strings.Builder{}
	fmt.Fprintf(b, "%s %s/%s  %s\n", pal.bold("HelmRelease"), Escape(r.Namespace, false), Escape(r.Name, false),
		pal.phase(r.State.Phase, strings.ToUpper(string(r.State.Phase))))
	if s := r.Storage; s != nil {
		fmt.Fprintf(b, "Helm storage: %d revision(s) in namespace %s", s.Revisions, Escape(s.Namespace, false))
		if n := len(s.Unreadable); n > 0 {
			fmt.Fprintf(b, ", %d unreadable", n)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	fmt.Fprintf(b, "%-20s  %-10s  %4s  %s\n", "TIME", "SOURCE", "REV", "WHAT")
	for _, e := range r.Timeline {
		fmt.Fprintf(b, "%-20s  %-10s  %4s  %s\n", entryTime(e, o), e.Source, revText(e.Revision), entryText(e, r.State, o))
	}
	writeRisks(b, r.State, pal.bold, "\n%s\n")
	// Without the storage, the generic warning says what a rollback leaves
	// and how to get the concrete list.
	for _, wn := range r.State.Warnings {
		if wn.Code == inspect.WarnRollbackNotData {
			fmt.Fprintf(b, "\n! %s\n", Escape(wn.Message, false))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func entryTime(e history.Entry, o Options) string {
	switch {
	case e.Source == history.SourcePrediction:
		if e.Time == nil {
			return "next"
		}
		return when(*e.Time, o)
	case e.Time == nil:
		return "-"
	}
	return stamp(*e.Time)
}

func revText(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

// entryText is the WHAT column: type and reason, the message, then Flux's
// revision and token annotations and the Event's count.
func entryText(e history.Entry, st inspect.RetryState, o Options) string {
	if e.Source == history.SourcePrediction {
		return "next: " + nextText(st, o) + " — " + Escape(e.Message, false)
	}
	var head []string
	typ := e.Type
	if e.Condition != "" {
		typ = e.Condition + "=" + e.Type
	}
	for _, s := range []string{typ, e.Reason} {
		if s != "" {
			head = append(head, Escape(s, false))
		}
	}
	text := strings.Join(head, " ")
	if e.Message != "" {
		text = joinNote(text, ": ", Escape(firstLine(e.Message), false))
	}
	var meta []string
	if e.Source == history.SourceEvent || e.Source == history.SourceRequest {
		if e.ChartVersion != "" {
			meta = append(meta, "revision "+Escape(e.ChartVersion, false))
		}
		if e.Token != "" {
			meta = append(meta, "token "+Escape(e.Token, false))
		}
	}
	if e.Count > 1 {
		meta = append(meta, fmt.Sprintf("×%d", e.Count))
	}
	if len(meta) > 0 {
		text += " (" + strings.Join(meta, ", ") + ")"
	}
	return text
}

// writeRisks lists what the rollback will not undo, one per line.
func writeRisks(b *strings.Builder, st inspect.RetryState, bold func(string) string, titleFormat string) {
	p := st.Rollback
	if p == nil {
		return
	}
	verb := "will not undo"
	if p.Done {
		verb = "did not undo"
	}
	fmt.Fprintf(b, titleFormat, bold(fmt.Sprintf("What the rollback from revision %d to %d %s", p.Failed, p.Target, verb)))
	if len(st.RollbackRisks) == 0 {
		b.WriteString("  nothing found: no hook ran, no volume, CRD or kept object, the manifests are equal\n")
	}
	for _, r := range st.RollbackRisks {
		fmt.Fprintf(b, "  %-23s %s: %s\n", r.Kind, Escape(r.Object, false), Escape(r.Reason, false))
	}
}

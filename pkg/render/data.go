package render

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// APIVersion and kinds of the documented JSON/YAML output (docs/schema.md).
const (
	APIVersion = "hrretry.kubectl.io/v1alpha1"
	KindState  = "RetryState"
	KindList   = "RetryStateList"
)

// Document is one RetryState as -o json|yaml prints it. Metadata repeats
// the name and namespace where kubectl's tools look for them
// (custom-columns NAME:.metadata.name, --sort-by .metadata.name).
type Document struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	inspect.RetryState
}

// Metadata is the object reference of a Document.
type Metadata struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// ListDocument is several, like a Kubernetes List.
type ListDocument struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// ControllerLoad is how busy the controller's workers are, as far as
	// the listed releases show (inspect.ApplyLoad).
	ControllerLoad *inspect.Load `json:"controllerLoad,omitempty"`
	// ControllerLoads is the load of each cluster's controller when the
	// command read several (--contexts): each has its own workers.
	ControllerLoads []inspect.Load `json:"controllerLoads,omitempty"`
	// Errors are the clusters that could not be read (--contexts): the
	// items are those of the others.
	Errors []ContextError `json:"errors,omitempty"`
	Items  []Document     `json:"items"`
}

// ContextError is a cluster of a multi-cluster command that could not be
// read: its kubeconfig context and why, in one sentence.
type ContextError struct {
	Context string `json:"context"`
	Message string `json:"message"`
}

// Wrap gives a RetryState its apiVersion and kind, and the wayOut sentences
// of its next steps, spelled for kubectl (DefaultCommand).
func Wrap(st inspect.RetryState) Document { return WrapAs(st, "") }

// WrapAs is Wrap with the wayOut command lines spelled with command.
func WrapAs(st inspect.RetryState, command string) Document {
	st.WayOut = wayOut(st, command)
	return Document{APIVersion: APIVersion, Kind: KindState, Metadata: Metadata{Name: st.Name, Namespace: st.Namespace}, RetryState: st}
}

// WrapList wraps several, with the controller's load when known.
func WrapList(states []inspect.RetryState, load *inspect.Load) ListDocument {
	return wrapList(states, Output{Load: load})
}

// wrapList wraps several with what out adds to a list: the load(s) and the
// clusters that could not be read.
func wrapList(states []inspect.RetryState, out Output) ListDocument {
	l := ListDocument{APIVersion: APIVersion, Kind: KindList, ControllerLoad: out.Load,
		ControllerLoads: out.Loads, Errors: out.Errors, Items: make([]Document, 0, len(states))}
	for _, st := range states {
		l.Items = append(l.Items, WrapAs(st, out.Command))
	}
	return l
}

// JSON writes a single document when single is true (kubectl's `get NAME -o
// json`), otherwise a list. Values are raw: scripts get the exact message.
func JSON(w io.Writer, states []inspect.RetryState, single bool, load *inspect.Load) error {
	if single && len(states) == 1 {
		return jsonOne(w, Wrap(states[0]))
	}
	return jsonList(w, states, Output{Load: load})
}

// jsonList writes the list item by item, byte for byte what encoding/json
// would write for the whole ListDocument: indenting one buffer of 5,000
// items costs 300 ms in copies, item by item it costs a tenth.
func jsonList(w io.Writer, states []inspect.RetryState, out Output) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "{\n    \"apiVersion\": %s,\n    \"kind\": %s,", quote(APIVersion), quote(KindList))
	for _, f := range []struct {
		key   string
		value any
		set   bool
	}{{"controllerLoad", out.Load, out.Load != nil}, {"controllerLoads", out.Loads, len(out.Loads) > 0},
		{"errors", out.Errors, len(out.Errors) > 0}} {
		if !f.set {
			continue
		}
		v, err := json.MarshalIndent(f.value, "    ", "    ")
		if err != nil {
			return err
		}
		fmt.Fprintf(bw, "\n    %q: %s,", f.key, v)
	}
	bw.WriteString("\n    \"items\": [")
	for i, st := range states {
		item, err := json.MarshalIndent(WrapAs(st, out.Command), "        ", "    ")
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n        ")
		bw.Write(item)
	}
	if len(states) > 0 {
		bw.WriteString("\n    ")
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}

// jsonOne writes one document, indented as kubectl does.
func jsonOne(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "    ")
	return enc.Encode(v)
}

func quote(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// YAML writes the same documents as YAML.
func YAML(w io.Writer, states []inspect.RetryState, single bool, load *inspect.Load) error {
	return yamlOut(w, states, single, Output{Load: load})
}

func yamlOut(w io.Writer, states []inspect.RetryState, single bool, o Output) error {
	var v any = wrapList(states, o)
	if single && len(states) == 1 {
		v = WrapAs(states[0], o.Command)
	}
	out, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding YAML: %w", err)
	}
	_, err = w.Write(out)
	return err
}

// Names writes helmrelease.helm.toolkit.fluxcd.io/NAME lines, as kubectl -o name.
func Names(w io.Writer, states []inspect.RetryState) error {
	for _, st := range states {
		if _, err := fmt.Fprintf(w, "helmrelease.helm.toolkit.fluxcd.io/%s\n", st.Name); err != nil {
			return err
		}
	}
	return nil
}

// NoneFound is the line printed (to stderr, like kubectl's "No resources
// found") when a selection matched nothing.
func NoneFound(namespace string, allNamespaces bool) string {
	if allNamespaces || namespace == "" {
		return "No HelmReleases found."
	}
	return fmt.Sprintf("No HelmReleases found in namespace %s.", namespace)
}

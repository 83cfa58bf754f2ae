package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/util/jsonpath"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// Output is a parsed -o value. Template holds the text of a jsonpath,
// go-template or custom-columns spec (the command reads *-file variants).
type Output struct {
	Format   string // "", wide, json, yaml, name, jsonpath, go-template, custom-columns
	Template string
	// Load is the controller's load to print with a list (controllerLoad),
	// when the command computed it.
	Load *inspect.Load
	// Loads and Errors are what a multi-cluster command adds to a list:
	// each cluster's controller load (controllerLoads) and the clusters it
	// could not read (errors).
	Loads  []inspect.Load
	Errors []ContextError
	// Command spells the wayOut command lines (Options.Command).
	Command string
}

// Formats lists what -o accepts, for help and completion.
var Formats = []string{"wide", "json", "yaml", "name", "jsonpath=", "jsonpath-file=", "go-template=",
	"go-template-file=", "custom-columns=", "custom-columns-file="}

// ParseOutput splits "-o jsonpath={...}" into its format and template.
// readFile loads the *-file variants.
func ParseOutput(o string, readFile func(string) ([]byte, error)) (Output, error) {
	format, arg, hasArg := strings.Cut(o, "=")
	switch format {
	case "", "wide", "json", "yaml", "name":
		if hasArg {
			return Output{}, fmt.Errorf("-o %s takes no argument", format)
		}
		return Output{Format: format}, nil
	case "jsonpath", "go-template", "custom-columns", "template", "templatefile":
	case "jsonpath-file", "go-template-file", "custom-columns-file":
		b, err := readFile(arg)
		if err != nil {
			return Output{}, fmt.Errorf("reading -o %s: %w", format, err)
		}
		format, arg = strings.TrimSuffix(format, "-file"), string(b)
	default:
		return Output{}, fmt.Errorf("unknown output format %q: want one of %s", o, strings.Join(Formats, ", "))
	}
	if format == "template" || format == "templatefile" {
		format = "go-template"
	}
	if strings.TrimSpace(arg) == "" {
		return Output{}, fmt.Errorf("-o %s needs a template", format)
	}
	return Output{Format: format, Template: arg}, nil
}

// Print writes states in a kubectl printer format. As kubectl does, one
// named object prints as itself and anything else as a List, so
// `-o jsonpath='{.items[*].name}'` works on lists.
func Print(w io.Writer, states []inspect.RetryState, single bool, out Output) error {
	switch out.Format {
	case "json":
		if single && len(states) == 1 {
			return jsonOne(w, WrapAs(states[0], out.Command))
		}
		return jsonList(w, states, out)
	case "yaml":
		return yamlOut(w, states, single, out)
	case "name":
		return Names(w, states)
	case "custom-columns":
		return customColumns(w, states, out.Template, out.Command)
	}
	obj, err := object(states, single, out)
	if err != nil {
		return err
	}
	p, err := templatePrinter(out, fmt.Errorf("unsupported output format %q", out.Format))
	if err != nil {
		return err
	}
	return p.PrintObj(obj, w)
}

// templatePrinter is kubectl's printer for -o jsonpath and -o go-template,
// missing keys allowed (kubectl's --allow-missing-template-keys default);
// unsupported is the error for any other format.
func templatePrinter(out Output, unsupported error) (printers.ResourcePrinter, error) {
	switch out.Format {
	case "jsonpath":
		jp, err := printers.NewJSONPathPrinter(out.Template)
		if err != nil {
			return nil, fmt.Errorf("parsing the jsonpath template: %w", err)
		}
		jp.AllowMissingKeys(true)
		return jp, nil
	case "go-template":
		gp, err := printers.NewGoTemplatePrinter([]byte(out.Template))
		if err != nil {
			return nil, fmt.Errorf("parsing the go-template: %w", err)
		}
		gp.AllowMissingKeys(true)
		return gp, nil
	}
	return nil, unsupported
}

// object is the unstructured form the template printers walk.
func object(states []inspect.RetryState, single bool, out Output) (runtime.Object, error) {
	var v any = wrapList(states, out)
	if single && len(states) == 1 {
		v = WrapAs(states[0], out.Command)
	}
	m, err := toMap(v)
	if err != nil {
		return nil, err
	}
	return &unstructured.Unstructured{Object: m}, nil
}

func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

// customColumns is kubectl's custom-columns: "HEADER:.json.path,...", or
// the file form (a line of headers over a line of paths).
func customColumns(w io.Writer, states []inspect.RetryState, spec, command string) error {
	headers, parsers, err := parseColumns(spec)
	if err != nil {
		return err
	}
	tw := printers.GetNewTabWriter(w)
	if _, err := fmt.Fprintln(tw, strings.Join(headers, "\t")); err != nil {
		return err
	}
	for _, st := range states {
		m, err := toMap(WrapAs(st, command))
		if err != nil {
			return err
		}
		cells := make([]string, len(parsers))
		for i, jp := range parsers {
			vals, err := jp.FindResults(m)
			cells[i] = "<none>"
			if err == nil && len(vals) > 0 && len(vals[0]) > 0 {
				var parts []string
				for _, v := range vals[0] {
					parts = append(parts, fmt.Sprint(v.Interface()))
				}
				cells[i] = Escape(strings.Join(parts, ","), false)
			}
		}
		if _, err := fmt.Fprintln(tw, strings.Join(cells, "\t")); err != nil {
			return err
		}
	}
	return tw.Flush()
}

func parseColumns(spec string) ([]string, []*jsonpath.JSONPath, error) {
	if lines := strings.Fields(strings.TrimSpace(spec)); strings.Contains(spec, "\n") && len(lines) >= 2 {
		// File form: headers, then paths, whitespace separated.
		half := len(lines) / 2
		var cols []string
		for i := 0; i < half; i++ {
			cols = append(cols, lines[i]+":"+lines[half+i])
		}
		spec = strings.Join(cols, ",")
	}
	var headers []string
	var parsers []*jsonpath.JSONPath
	for _, col := range strings.Split(spec, ",") {
		header, path, ok := strings.Cut(col, ":")
		if !ok || header == "" || path == "" {
			return nil, nil, fmt.Errorf("custom-columns: %q is not HEADER:.json.path", col)
		}
		jp := jsonpath.New(header).AllowMissingKeys(true)
		if err := jp.Parse(relaxed(path)); err != nil {
			return nil, nil, fmt.Errorf("custom-columns %s: %w", header, err)
		}
		headers, parsers = append(headers, header), append(parsers, jp)
	}
	return headers, parsers, nil
}

// relaxed accepts ".a.b" as "{.a.b}", as kubectl does.
func relaxed(path string) string {
	if strings.HasPrefix(path, "{") {
		return path
	}
	return "{" + path + "}"
}

package cmd

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// target is what a command acts on: names in one namespace, or a selection.
type target struct {
	namespace     string // "" with allNamespaces
	allNamespaces bool
	names         []string
	labelSelector string
	fieldSelector string
}

// seesAll: the selection covers every HelmRelease the controller may
// reconcile, so the workers it counts busy are all of them.
func (t target) seesAll() bool {
	return t.allNamespaces && len(t.names) == 0 && t.labelSelector == "" && t.fieldSelector == ""
}

// withLoad applies each controller's load to a listing (not to names: one
// object says nothing of the others) and returns them for the views.
func (t target) withLoad(states []inspect.RetryState, j *judges, now time.Time) []inspect.Load {
	if len(t.names) > 0 {
		return nil
	}
	return j.loads(states, now, t.seesAll())
}

// resourcePrefixes are the forms kubectl accepts before a name.
var resourcePrefixes = []string{"hr/", "helmrelease/", "helmreleases/",
	"helmrelease.helm.toolkit.fluxcd.io/", "helmreleases.helm.toolkit.fluxcd.io/"}

// parseNames accepts NAME and hr/NAME (and kubectl's longer spellings).
func parseNames(args []string) ([]string, error) {
	names := make([]string, 0, len(args))
	for _, a := range args {
		name := a
		for _, p := range resourcePrefixes {
			if strings.HasPrefix(strings.ToLower(a), p) {
				name = a[len(p):]
				break
			}
		}
		if i := strings.IndexByte(name, '/'); i >= 0 {
			return nil, usageErrorf("%q: only HelmReleases are supported (NAME or hr/NAME)", a)
		}
		if name == "" {
			return nil, usageErrorf("%q: empty name", a)
		}
		names = append(names, name)
	}
	return names, nil
}

// completeTarget resolves the namespace from the kubeconfig the way kubectl does.
func (g *globalOptions) completeTarget(args []string, all bool, labels, fields string) (target, error) {
	names, err := parseNames(args)
	if err != nil {
		return target{}, err
	}
	t := target{names: names, allNamespaces: all, labelSelector: labels, fieldSelector: fields}
	if all {
		if len(names) > 0 {
			return target{}, usageErrorf("names cannot be combined with --all-namespaces: a name is looked up in one namespace")
		}
		return t, nil
	}
	ns, _, err := g.configFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return target{}, fmt.Errorf("reading the namespace from the kubeconfig: %w", err)
	}
	t.namespace = ns
	return t, nil
}

// terminal describes the output stream, decided once per command.
type terminal struct {
	color bool
	tty   bool // the output is a terminal
	inTTY bool // the input is a terminal: a person can answer a prompt
	width int
	file  *os.File // the terminal, to read its size again (live views)
}

// size is the terminal's width and height now: a live view reads it for
// every frame, so a resized terminal gets frames that fit it. 0: unknown.
func (t terminal) size() (width, height int) {
	if t.file == nil {
		return t.width, 0
	}
	w, h, err := term.GetSize(int(t.file.Fd()))
	if err != nil {
		return t.width, 0
	}
	return w, h
}

// detectTerminal applies --color, NO_COLOR (https://no-color.org) and
// TERM=dumb to the output stream.
func (g *globalOptions) detectTerminal(out io.Writer, getenv func(string) string) (terminal, error) {
	t := terminal{inTTY: isTerminal(g.in)}
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		t.tty, t.file = true, f
		if w, _, err := term.GetSize(int(f.Fd())); err == nil {
			t.width = w
		}
	}
	switch g.color {
	case "always":
		t.color = true
	case "never":
	case "auto", "":
		t.color = t.tty && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
	default:
		return t, usageErrorf("--color must be auto, always or never, not %q", g.color)
	}
	return t, nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// reportRequests prints the request count (--debug-requests), for the
// benchmarks and for checking that a command made no request it need not.
func (g *globalOptions) reportRequests(c Cluster, errOut io.Writer) {
	if g.debugRequests {
		_, _ = fmt.Fprintln(errOut, c.Requests())
	}
}

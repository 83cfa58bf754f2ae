package cmd

import "strings"

// The two ways the plugin is called. krew installs the binary as
// kubectl-hrretry and kubectl runs it as `kubectl hrretry`; `flux plugin
// install hrretry` installs the same binary as flux-hrretry and flux runs it
// as `flux hrretry` (flux2's plugin system execs it with its own path as
// argv[0]).
const (
	KubectlName = "kubectl hrretry"
	FluxName    = "flux hrretry"
)

// NameFor is how the user calls the plugin, from the name of the executable
// (os.Args[0]): every text the user reads (help, usage, examples, the
// commands of the way out, error hints) is spelled with it, so that what is
// printed can be typed back as it is.
func NameFor(argv0 string) string {
	// Either separator: flux on Windows passes a path with backslashes.
	base := argv0[strings.LastIndexAny(argv0, `/\`)+1:]
	base = strings.TrimSuffix(strings.ToLower(base), ".exe")
	if strings.HasPrefix(base, "flux-") {
		return FluxName
	}
	return KubectlName
}

// name is deps.Name, or kubectl's when none was given (tests that do not
// care which).
func (d Deps) name() string {
	if d.Name == "" {
		return KubectlName
	}
	return d.Name
}

// binary is the executable's name: kubectl-hrretry or flux-hrretry, what
// the completion scripts register for.
func binary(name string) string { return strings.ReplaceAll(name, " ", "-") }

// spell writes help text, written with "kubectl hrretry", with name.
func spell(name, text string) string {
	if name == KubectlName {
		return text
	}
	return strings.ReplaceAll(text, KubectlName, name)
}

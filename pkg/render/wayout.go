package render

import (
	"strings"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// DefaultCommand is how the way out spells the plugin when the caller did
// not say (Options.Command, Output.Command): as kubectl runs it.
const DefaultCommand = "kubectl hrretry"

// commandOr is command, or DefaultCommand when empty.
func commandOr(command string) string {
	if command == "" {
		return DefaultCommand
	}
	return command
}

// wayOut is the one place the structured next steps become the sentences
// and command lines of the detail view and of the JSON wayOut field. The
// command lines start with command ("kubectl hrretry" or "flux hrretry"),
// so they can be pasted as they are.
func wayOut(st inspect.RetryState, command string) []string {
	if len(st.NextSteps) == 0 {
		return nil
	}
	out := make([]string, 0, len(st.NextSteps))
	for i, s := range st.NextSteps {
		out = append(out, stepText(st, s, i == 0, command))
	}
	return out
}

// stepText: a force step is a command line with its effect as a shell
// comment; the others are a sentence, a spec change being the alternative
// to the steps before it.
func stepText(st inspect.RetryState, s inspect.Step, first bool, command string) string {
	switch s.Kind {
	case inspect.StepForce:
		return forceCommand(command, st.Name, st.Namespace, s.Flags) + "   # " + joinNote(s.Effect, ": ", s.Note)
	case inspect.StepFix:
		return joinNote(s.Effect, "; ", s.Note)
	case inspect.StepCheck:
		return joinNote(s.Note, ", ", s.Effect)
	case inspect.StepChange:
		if !first {
			return "or " + joinNote(s.Effect, ": ", s.Note)
		}
	}
	return joinNote(s.Effect, ": ", s.Note)
}

// forceCommand is the command line that forces one release.
func forceCommand(command, name, namespace string, flags []string) string {
	cmd := commandOr(command) + " force " + name
	if namespace != "" {
		cmd += " -n " + namespace
	}
	if len(flags) > 0 {
		cmd += " " + strings.Join(flags, " ")
	}
	return cmd
}

func joinNote(a, sep, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + sep + b
}

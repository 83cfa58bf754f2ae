package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Exit codes, documented in --help and the README.
const (
	ExitOK          = 0   // everything handled (and, for force --wait, ready)
	ExitFailed      = 1   // an error, or a forced attempt that failed or timed out
	ExitUsage       = 2   // bad flags or arguments
	ExitNotHonoured = 3   // the controller handled the request but did not honour force/reset
	ExitSuperseded  = 4   // wait --for ready: a newer generation replaced the spec waited for
	ExitStuck       = 5   // status --check: a selected release is stuck
	ExitPartial     = 6   // status --check --contexts: a cluster could not be read; the others' releases are listed
	ExitInterrupted = 130 // SIGINT (SIGTERM: 143), as a shell reports a process a signal ended
)

// exitError carries an exit code with an already-explained message.
type exitError struct {
	code int
	err  error
	help string // for a usage error: the command whose --help to point at
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(err error) error { return &exitError{code: ExitUsage, err: err} }

func usageErrorf(format string, args ...any) error {
	return usageError(fmt.Errorf(format, args...))
}

// withHelp points a usage error at the --help of the command that rejected
// it, so the message names the right one.
func withHelp(cmd *cobra.Command, err error) error {
	var ee *exitError
	if errors.As(err, &ee) && ee.code == ExitUsage && ee.help == "" {
		ee.help = cmd.CommandPath()
	}
	return err
}

// silentError is an exit code whose explanation was already printed
// (per-object results of force).
func silentError(code int) error { return &exitError{code: code, err: errSilent} }

var errSilent = errors.New("")

// ExitCode prints err once, as one sentence, and returns the exit code.
// It is the only place that maps errors to exit codes. signals is the
// context main cancels on SIGINT/SIGTERM and on nothing else: a command
// that returns after it was cancelled was interrupted, whatever it
// returned (a history cut short may still have printed a timeline: it is
// never a success), whereas a context.Canceled or a deadline from anywhere
// else (--timeout, --request-timeout) is an ordinary failure.
func ExitCode(signals context.Context, err error, errOut io.Writer) int {
	if signals.Err() != nil {
		code, msg := interruptedCode(signals)
		_, _ = fmt.Fprintln(errOut, msg)
		return code
	}
	if err == nil {
		return ExitOK
	}
	code := ExitFailed
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if !errors.Is(err, errSilent) {
		_, _ = fmt.Fprintf(errOut, "Error: %s\n", err)
	}
	if ee != nil && ee.help != "" {
		_, _ = fmt.Fprintf(errOut, "See '%s --help' for usage.\n", ee.help)
	}
	return code
}

// apiError explains a failed API request in one sentence that says what to do.
type apiError struct {
	verb      string // get, list, watch, patch
	resource  string // helmreleases.helm.toolkit.fluxcd.io
	namespace string // "" for all namespaces
	name      string
	err       error
}

func (e *apiError) Unwrap() error { return e.err }

func (e *apiError) Error() string {
	where := "in namespace " + e.namespace
	if e.namespace == "" {
		where = "across all namespaces"
	}
	err := e.err
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Sprintf("forbidden: you may not %s %s %s; ask your cluster admin for that permission (see README, RBAC)",
			e.verb, e.resource, where)
	case apierrors.IsUnauthorized(err):
		return "the API server rejected your credentials (401 Unauthorized): log in again or check --kubeconfig, --context and --user"
	case apierrors.IsNotFound(err) && isMissingAPI(err):
		return "HelmRelease API not found on this cluster — is Flux installed? (no " + e.resource + " resource is served)"
	case apierrors.IsNotFound(err) && e.name != "":
		return fmt.Sprintf("HelmRelease %q not found in namespace %s", e.name, e.namespace)
	case isUnreachable(err):
		return fmt.Sprintf("cannot reach the Kubernetes API server (%s): check your kubeconfig and context, or raise --request-timeout", rootCause(err))
	}
	return fmt.Sprintf("%s %s %s: %v", e.verb, e.resource, where, err)
}

// isMissingAPI tells a missing resource type from a missing object. A LIST
// of an unserved resource gets a 404 naming nothing; a GET gets the API
// server's plain-text 404, which client-go turns into a generic error that
// names the object but carries an UnexpectedServerResponse cause, whereas
// a missing object comes back as a Status from the resource's own handler.
func isMissingAPI(err error) bool {
	var se apierrors.APIStatus
	if !errors.As(err, &se) {
		return false
	}
	d := se.Status().Details
	if d == nil || d.Name == "" {
		return true
	}
	for _, c := range d.Causes {
		if c.Type == metav1.CauseTypeUnexpectedServerResponse {
			return true
		}
	}
	return false
}

func isUnreachable(err error) bool {
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "no such host")
}

func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

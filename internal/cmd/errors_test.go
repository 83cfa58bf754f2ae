package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/hrretry/kubectl-hrretry/pkg/trigger"
)

func TestAPIErrorSentences(t *testing.T) {
	hr := schema.GroupResource{Group: "helm.toolkit.fluxcd.io", Resource: "helmreleases"}
	missingAPI := apierrors.NewNotFound(schema.GroupResource{}, "")
	cases := []struct {
		err  *apiError
		want string
	}{
		{&apiError{verb: "list", resource: "helmreleases.helm.toolkit.fluxcd.io", namespace: "apps",
			err: apierrors.NewForbidden(hr, "", errors.New("RBAC"))},
			"forbidden: you may not list helmreleases.helm.toolkit.fluxcd.io in namespace apps"},
		{&apiError{verb: "list", resource: "helmreleases.helm.toolkit.fluxcd.io", err: apierrors.NewForbidden(hr, "", errors.New("RBAC"))},
			"across all namespaces"},
		{&apiError{verb: "list", resource: "helmreleases.helm.toolkit.fluxcd.io", err: missingAPI},
			"HelmRelease API not found on this cluster — is Flux installed?"},
		// What client-go makes of the API server's plain-text 404 for a GET
		// of a resource the cluster does not serve.
		{&apiError{verb: "get", resource: "helmreleases.helm.toolkit.fluxcd.io", namespace: "apps", name: "web",
			err: apierrors.NewGenericServerResponse(404, "GET", hr, "web", "404 page not found", 0, true)},
			"HelmRelease API not found on this cluster — is Flux installed?"},
		{&apiError{verb: "get", resource: "x", namespace: "apps", name: "web", err: apierrors.NewNotFound(hr, "web")},
			`HelmRelease "web" not found in namespace apps`},
		{&apiError{verb: "list", err: apierrors.NewUnauthorized("no")}, "401 Unauthorized"},
		{&apiError{verb: "list", err: &url.Error{Op: "Get", URL: "https://127.0.0.1:1", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}},
			"cannot reach the Kubernetes API server (connection refused)"},
		{&apiError{verb: "list", err: context.DeadlineExceeded}, "raise --request-timeout"},
	}
	for _, tc := range cases {
		if got := tc.err.Error(); !strings.Contains(got, tc.want) {
			t.Errorf("got %q\nwant it to contain %q", got, tc.want)
		}
	}
}

func TestExitCode(t *testing.T) {
	help := &exitError{code: ExitUsage, err: errors.New("bad flag"), help: "kubectl hrretry force"}
	cases := []struct {
		err       error
		signalled bool
		code      int
		out       string
	}{
		{nil, false, 0, ""},
		// Cut short by a signal: never a success, whatever the command
		// returned (a history that printed part of its timeline).
		{nil, true, 130, "Interrupted: the output above is incomplete.\n"},
		{errors.New("boom"), false, 1, "Error: boom\n"},
		{usageErrorf("bad %s", "flag"), false, 2, "Error: bad flag\n"},
		{fmt.Errorf("wrapped: %w", usageErrorf("x")), false, 2, "Error: wrapped: x\n"},
		{help, false, 2, "Error: bad flag\nSee 'kubectl hrretry force --help' for usage.\n"},
		{silentError(3), false, 3, ""},
		{silentError(1), true, 130, "Interrupted: the output above is incomplete.\n"},
		{context.Canceled, true, 130, "Interrupted: the output above is incomplete.\n"},
		// Cancelled or timed out without a signal: an ordinary failure.
		{context.Canceled, false, 1, "Error: context canceled\n"},
		{context.DeadlineExceeded, false, 1, "Error: context deadline exceeded\n"},
	}
	for _, tc := range cases {
		signals, cancel := context.WithCancel(context.Background())
		if tc.signalled {
			cancel()
		}
		var b bytes.Buffer
		if code := ExitCode(signals, tc.err, &b); code != tc.code || b.String() != tc.out {
			t.Errorf("ExitCode(signalled %v, %v) = %d, %q; want %d, %q", tc.signalled, tc.err, code, b.String(), tc.code, tc.out)
		}
		cancel()
	}
}

// The signal main cancels with decides the code, as a shell would report it.
func TestExitCodeSignal(t *testing.T) {
	cases := []struct {
		sig  os.Signal
		code int
		out  string
	}{
		{os.Interrupt, 130, "Interrupted (SIGINT): the output above is incomplete.\n"},
		{syscall.SIGTERM, 143, "Interrupted (SIGTERM): the output above is incomplete.\n"},
	}
	for _, tc := range cases {
		for _, err := range []error{nil, context.Canceled, errors.New("list: context canceled")} {
			signals, cancel := context.WithCancelCause(context.Background())
			cancel(&Interrupted{Signal: tc.sig})
			var b bytes.Buffer
			if code := ExitCode(signals, err, &b); code != tc.code || b.String() != tc.out {
				t.Errorf("%v, err %v: %d %q; want %d %q", tc.sig, err, code, b.String(), tc.code, tc.out)
			}
		}
	}
}

func TestExitCodeForResults(t *testing.T) {
	r := func(o ...trigger.Outcome) []trigger.Result {
		var out []trigger.Result
		for _, x := range o {
			out = append(out, trigger.Result{Outcome: x})
		}
		return out
	}
	cases := []struct {
		results []trigger.Result
		want    int
	}{
		{r(trigger.OutcomeReady, trigger.OutcomePatched), ExitOK},
		{r(trigger.OutcomeReady, trigger.OutcomeNotHonoured), ExitNotHonoured},
		{r(trigger.OutcomeNotHonoured, trigger.OutcomeFailed), ExitFailed},
		{r(trigger.OutcomeRefused), ExitFailed},
		{r(trigger.OutcomeTimedOut, trigger.OutcomeNotHonoured), ExitFailed},
	}
	for _, tc := range cases {
		if got := exitCodeFor(tc.results); got != tc.want {
			t.Errorf("exitCodeFor(%v) = %d, want %d", tc.results, got, tc.want)
		}
	}
}

func TestParseNames(t *testing.T) {
	got, err := parseNames([]string{"web", "hr/api", "HelmRelease/db", "helmreleases.helm.toolkit.fluxcd.io/cache"})
	if err != nil || strings.Join(got, ",") != "web,api,db,cache" {
		t.Errorf("parseNames = %v, %v", got, err)
	}
	for _, bad := range []string{"deploy/web", "hr/", "a/b/c"} {
		if _, err := parseNames([]string{bad}); err == nil {
			t.Errorf("%q: want a usage error", bad)
		}
	}
}

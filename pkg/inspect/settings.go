package inspect

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Settings are the helm-controller flags that change when it acts. They are
// read from the controller's Deployment; Defaults are the controller's own.
type Settings struct {
	// JitterPercent is --interval-jitter-percentage: every jittered requeue
	// (spec.interval, retryInterval, source not ready) is d·(1 ± p/100).
	JitterPercent int `json:"intervalJitterPercentage"`
	// DefaultToRetryOnFailure is the feature gate of that name: when no
	// strategy is set, RetryOnFailure is in force instead of RemediateOnFailure.
	DefaultToRetryOnFailure bool `json:"defaultToRetryOnFailure"`
	// DependencyRequeue is --requeue-dependency: how often a release waiting
	// for a dependency or an artifact looks again.
	DependencyRequeue Duration `json:"requeueDependency"`
	// MinRetryDelay is --min-retry-delay, the base of the error backoff
	// (fluxcd/pkg/runtime controller.GetRateLimiter: base·2^k).
	MinRetryDelay Duration `json:"minRetryDelay"`
	// MaxRetryDelay is --max-retry-delay, the cap of the error backoff.
	MaxRetryDelay Duration `json:"maxRetryDelay"`
	// CancelHealthCheckOnNewRevision is the feature gate of that name: a new
	// reconcile request cancels the health checks of a running action
	// (HelmReleaseReconciler.reconcileRelease, helper.IsObjectEnqueued).
	CancelHealthCheckOnNewRevision bool `json:"cancelHealthCheckOnNewRevision"`
	// Concurrent is --concurrent: how many HelmReleases the controller
	// reconciles at once (MaxConcurrentReconciles, main.go; default 4).
	Concurrent int `json:"concurrent"`
	// From says where these values were read ("defaults" when not read).
	From string `json:"from"`
	// Controller is the controller's health, from the same Deployment (health.go).
	Controller Health `json:"controller"`
	// Owner names the controller these settings are read from, when the
	// commands matched the release to one of several (owner.go).
	Owner *Owner `json:"owner,omitempty"`
	// Unwatched, when set, says why no controller reconciles the release
	// (its namespace and labels against each controller's scope).
	Unwatched string `json:"unwatched,omitempty"`
	// Mutant is a deliberately wrong rule, for the ground truth's mutation
	// check only (mutant.go).
	Mutant Mutant `json:"-"`
}

// DefaultSettings are helm-controller's defaults (main.go and fluxcd/pkg/runtime).
func DefaultSettings() Settings {
	return Settings{
		JitterPercent:     5,
		Concurrent:        4,
		DependencyRequeue: Duration(30 * time.Second),
		MinRetryDelay:     Duration(750 * time.Millisecond),
		MaxRetryDelay:     Duration(15 * time.Minute),
		From:              "defaults",
	}
}

// ApplyArgs reads the controller's command-line arguments over s, the way its
// pflag set would (both "--flag=value" and "--flag value"). Arguments it does
// not know are ignored; a malformed value is reported and the default kept.
func (s Settings) ApplyArgs(args []string) (Settings, []error) {
	var errs []error
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") {
			continue
		}
		if !hasValue && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") && knownFlag(name) {
			value, i = args[i+1], i+1
		}
		if err := s.apply(name, value); err != nil {
			errs = append(errs, err)
		}
	}
	return s, errs
}

func knownFlag(name string) bool {
	switch name {
	case "interval-jitter-percentage", "feature-gates", "requeue-dependency", "min-retry-delay", "max-retry-delay", "concurrent":
		return true
	}
	return false
}

func (s *Settings) apply(name, value string) error {
	switch name {
	case "interval-jitter-percentage":
		p, err := strconv.Atoi(value)
		if err != nil || !validJitter(p) {
			return fmt.Errorf("--interval-jitter-percentage=%q: want an integer in [0, 100)", value)
		}
		s.JitterPercent = p
	case "concurrent":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 {
			return fmt.Errorf("--concurrent=%q: want a positive integer", value)
		}
		s.Concurrent = n
	case "requeue-dependency", "min-retry-delay", "max-retry-delay":
		d, err := time.ParseDuration(value)
		if err != nil || d < 0 {
			return fmt.Errorf("--%s=%q: not a duration", name, value)
		}
		switch name {
		case "requeue-dependency":
			s.DependencyRequeue = Duration(d)
		case "min-retry-delay":
			s.MinRetryDelay = Duration(d)
		default:
			s.MaxRetryDelay = Duration(d)
		}
	case "feature-gates":
		// A comma-separated list of Name=bool; later entries win, as in
		// component-base's feature gate parsing.
		for _, kv := range strings.Split(value, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
			var gate *bool
			switch k {
			case "DefaultToRetryOnFailure":
				gate = &s.DefaultToRetryOnFailure
			case "CancelHealthCheckOnNewRevision":
				gate = &s.CancelHealthCheckOnNewRevision
			default:
				continue
			}
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("--feature-gates: %s=%q is not a boolean", k, v)
			}
			*gate = b
		}
	}
	return nil
}

// Duration is a time.Duration that reads and writes as "5m0s" in JSON and
// YAML, like metav1.Duration, and can be omitted when zero.
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// validJitter is the range the controller accepts for
// --interval-jitter-percentage: [0, 100).
func validJitter(p int) bool { return p >= 0 && p < 100 }

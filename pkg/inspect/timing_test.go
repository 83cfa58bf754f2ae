package inspect

import (
	"testing"
	"time"
)

// TestMessagesReadWithTheirPrefilter: the substring tests before the
// regexps (retryAfter, parseRunning) never turn a match away.
func TestMessagesReadWithTheirPrefilter(t *testing.T) {
	for msg, want := range map[string]time.Duration{
		"retrying after 5m0s":                   5 * time.Minute,
		"Will retry after 30s.":                 30 * time.Second,
		"install failed: RETRYING AFTER 1m":     time.Minute,
		"Retry After 2s":                        2 * time.Second,
		"retry  after 5s":                       0, // two spaces: no match in the regexp either
		"retrying after":                        0,
		"retrying\x00after 5s":                  0,
		"Helm upgrade failed: context deadline": 0,
	} {
		got, ok := retryAfter(msg)
		if got != want || ok != (want != 0) {
			t.Errorf("retryAfter(%q) = %v, %v; want %v", msg, got, ok, want)
		}
		if m := retryMessage.FindStringSubmatch(msg); (m != nil) != ok && want != 0 {
			t.Errorf("retryAfter(%q) and its regexp disagree", msg)
		}
	}
	for msg, want := range map[string]Action{
		"Running 'upgrade' action with timeout of 5m0s":               ActionUpgrade,
		"Running 'correct cluster drift' action with timeout of 5m0s": ActionCorrectDrift,
		"running 'upgrade' action with timeout of 5m0s":               "",
		"Fulfilling prerequisites":                                    "",
	} {
		got, _, ok := parseRunning(msg)
		if got != want || ok != (want != "") || isRunningMessage(msg) != ok {
			t.Errorf("parseRunning(%q) = %q, %v; want %q", msg, got, ok, want)
		}
	}
}

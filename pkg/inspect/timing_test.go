package inspect

import (
	"regexp"
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

// runningMessage is the form matchRunning finds, as the regexp it was.
var runningMessage = regexp.MustCompile(`Running '([a-z][a-z -]*)' action with timeout of ([0-9][0-9a-zµ.]*)`)

// FuzzMatchRunning: matchRunning finds what the regexp finds, leftmost.
func FuzzMatchRunning(f *testing.F) {
	for _, s := range []string{"Running 'upgrade' action with timeout of 5m0s", "Running 'correct cluster drift' action with timeout of 1µs.",
		"x Running '' action with timeout of 5m Running 'install' action with timeout of 3s", "Running 'Upgrade' action with timeout of 5m",
		"Running 'a-b' action with timeout of 9", "Running ' x' action with timeout of 1", "Running 'install' action with timeout of x1",
		"Running 'install' action with timeout of 1\xc2", "Running 'install' action with timeout of 1µ\xb5ms", "Running 'Running 'up' action with timeout of 2s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		action, timeout, ok := matchRunning(msg)
		m := runningMessage.FindStringSubmatch(msg)
		if ok != (m != nil) || ok && (action != m[1] || timeout != m[2]) {
			t.Errorf("matchRunning(%q) = %q, %q, %v; the regexp %q", msg, action, timeout, ok, m)
		}
	})
}

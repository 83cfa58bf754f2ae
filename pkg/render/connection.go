package render

import (
	"fmt"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// ConnectionLost is the header line of a live view (status --watch on a
// terminal) while the API server cannot be reached: how long ago it went,
// that it is being retried, and the time the data shown is from, so a
// frozen view never passes for a live one. Colour: yellow, as a warning.
func ConnectionLost(lostAt, now time.Time, reason string, color bool) string {
	line := fmt.Sprintf("connection lost %s ago, retrying — data as of %s (%s)",
		Human(now.Sub(lostAt)), lostAt.Local().Format("15:04:05"), Escape(reason, false))
	return palette{on: color}.phase(inspect.PhaseRetrying, line) // the retrying colour
}

// ConnectionLostLog is the stderr line of a pipe (status --watch, wait)
// when the connection is lost, with the absolute time.
func ConnectionLostLog(at time.Time, reason string) string {
	return fmt.Sprintf("%s  connection to the API server lost (%s): retrying; nothing below is live until it is back",
		at.UTC().Format(time.RFC3339), Escape(reason, false))
}

// ConnectionRestoredLog is the stderr line when it is back: the view
// starts over from a fresh LIST.
func ConnectionRestoredLog(at, lostAt time.Time) string {
	return fmt.Sprintf("%s  connection to the API server restored after %s: listed afresh",
		at.UTC().Format(time.RFC3339), Human(at.Sub(lostAt)))
}

// ConnectionNotRestored is wait's last word when it ended with the
// connection lost: what it judged was as of the loss.
func ConnectionNotRestored(lostAt time.Time, reason string, relative bool, now time.Time) string {
	when := lostAt.UTC().Format(time.RFC3339)
	if relative {
		when = Human(now.Sub(lostAt)) + " ago"
	}
	return fmt.Sprintf("The connection to the API server was lost %s (%s) and not restored: the state above is as of then.",
		when, Escape(reason, false))
}

package cmd

import (
	"context"
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// connectionWatcher is what a follower implements to hear that the API
// server went away and came back: status --watch says so in its header (a
// terminal) or on stderr (a pipe), wait on stderr and in its last words.
// Between the two the follower's data is as of the loss.
type connectionWatcher interface {
	// lost: the watch broke and the server cannot be reached again; err
	// is the one-sentence reason. Called once per loss.
	lost(err error)
	// restored: a LIST succeeded again; listed follows with its objects.
	restored()
}

// errConnLost wraps what ended a watch that cannot be resumed: follow
// then retries the LIST until it answers.
type errConnLost struct{ err error }

func (e *errConnLost) Error() string { return e.err.Error() }
func (e *errConnLost) Unwrap() error { return e.err }

// retriable: the server or the way to it failed, not the request; the
// same request may work once it is back. Anything else (forbidden, gone
// CRD) is the command's error, said once.
func retriable(err error) bool {
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return false
	case apierrors.IsForbidden(err), apierrors.IsUnauthorized(err), apierrors.IsNotFound(err), apierrors.IsBadRequest(err),
		apierrors.IsInvalid(err), apierrors.IsMethodNotSupported(err):
		return false
	}
	return true
}

// retryDelay is how long follow waits before the n-th LIST after a loss:
// 1 s, 2 s, 4 s, then every 5 s, so a server back after a restart is seen
// within seconds and one that stays away is not hammered.
func retryDelay(n int) time.Duration {
	return min(time.Second<<min(n, 3), 5*time.Second)
}

// pause waits d, ticking f every `every` (0: never) so a terminal's clock
// and wait's deadline keep moving while the server is away.
func pause(ctx context.Context, d, every time.Duration, f follower) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	var tick <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return nil
		case <-tick:
			if err := f.tick(); err != nil {
				return err
			}
		}
	}
}

// notifyLost and notifyRestored tell f, when it listens.
func notifyLost(f follower, err error) {
	if c, ok := f.(connectionWatcher); ok {
		c.lost(err)
	}
}

func notifyRestored(f follower) {
	if c, ok := f.(connectionWatcher); ok {
		c.restored()
	}
}

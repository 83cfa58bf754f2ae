package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// A row keeps each thing of a state the table prints: every mark of the
// NEXT cell, the wide columns and STUCK, each checked in the table of a
// state that has it against the same state without it. The goldens hold
// the rest of the table to what it printed from states.
func TestRowKeepsWhatTheTablePrints(t *testing.T) {
	base := states(t, "retrying-upgrade")[0]
	at := func(d time.Duration) *time.Time { x := testNow.Add(d); return &x }
	wide := wideCheck()
	for _, c := range []struct {
		name string
		set  func(*inspect.RetryState)
		want string
	}{
		{"controller down", func(st *inspect.RetryState) { st.Next.Blocked = "helm-controller is down" }, "(controller down)"},
		{"bound", func(st *inspect.RetryState) { st.Next.Bound = "why" }, "(bound)"},
		{"or", func(st *inspect.RetryState) {
			st.Next.Or = &inspect.Window{Earliest: testNow.Add(90 * time.Second), Latest: testNow.Add(95 * time.Second), If: "why"}
		}, " or 2026-11-23T12:01:30Z/2026-11-23T12:01:35Z"},
		{"queued", func(st *inspect.RetryState) { st.Next.Queued = true }, "(queued)"},
		{"queued, bound", func(st *inspect.RetryState) { st.Next.Queued, st.Next.Bound = true, "why" }, "(queued, bound)"},
		{"unwatched", func(st *inspect.RetryState) { st.Next.Unwatched = true }, "unwatched"},
		{"overdue", func(st *inspect.RetryState) {
			st.Next.Overdue, st.Next.Earliest, st.Next.Latest = true, at(-time.Hour), at(-time.Minute)
		}, "overdue since 2026-11-23T11:59:00Z"},
		{"running", func(st *inspect.RetryState) {
			st.Phase, st.WorkerUntil = inspect.PhaseProgressing, at(time.Minute)
			st.Next.Anchor = &inspect.Anchor{Condition: "Reconciling", Time: testNow.Add(-time.Minute)}
		}, "running, done by"},
		{"stuck", func(st *inspect.RetryState) { st.Stuck = true }, "STUCK"},
		{"chart", func(st *inspect.RetryState) { st.Release.Chart, st.Release.Version = "podinfo", "9.9.9" }, "podinfo@9.9.9"},
		{"revision", func(st *inspect.RetryState) { st.Release.Revision = 77 }, " 77 "},
		{"retry interval", func(st *inspect.RetryState) { st.Strategy.RetryInterval = inspect.Duration(7 * time.Minute) }, "7m0s"},
		{"rollback target", func(st *inspect.RetryState) {
			st.Remediation.Strategy, st.Remediation.Next, st.Remediation.ToRevision = "rollback", inspect.ActionRollback, 41
		}, "rollback to 41"},
		{"anchor", func(st *inspect.RetryState) {
			st.Next.Anchor = &inspect.Anchor{Condition: "Ready", Time: testNow.Add(-33 * time.Second)}
		}, "2026-11-23T11:59:27Z"},
	} {
		t.Run(c.name, func(t *testing.T) {
			with := base
			with.Next.Anchor = nil
			without := with
			c.set(&with)
			for st, want := range map[*inspect.RetryState]bool{&with: true, &without: false} {
				var b bytes.Buffer
				if err := Table(&b, []inspect.RetryState{*st}, wide); err != nil {
					t.Fatal(err)
				}
				if got := strings.Contains(b.String(), c.want); got != want {
					t.Errorf("%q in the table: %v, want %v\n%s", c.want, got, want, b.String())
				}
			}
		})
	}
}

// Rows share their words: a fleet keeps each combination once.
func TestRowMakerSharesWords(t *testing.T) {
	var m RowMaker
	a, b := states(t, "retrying-upgrade")[0], states(t, "retrying-upgrade")[0]
	b.Name = "other"
	ra, rb := m.New(&a), m.New(&b)
	if ra.words != rb.words || ra.Name() == rb.Name() {
		t.Errorf("rows of the same words: %p and %p", ra.words, rb.words)
	}
}

// The zero Row is a row all the same: printed, sorted and marked, it does
// not panic.
func TestZeroRowDoesNotPanic(t *testing.T) {
	var b bytes.Buffer
	rows := []*Row{{}, {}}
	if err := SortRows(rows, "namespace"); err != nil {
		t.Fatal(err)
	}
	rows[0].Mark(func(n *inspect.Next) { n.Queued = true })
	if err := TableRows(&b, rows, wideCheck()); err != nil || strings.Count(b.String(), "\n") != 2 {
		t.Errorf("err %v:\n%s", err, b.String())
	}
}

// wideCheck is the piped table with every column: -o wide --check.
func wideCheck() Options {
	o := piped
	o.Wide, o.Check, o.NoHeaders = true, true, true
	return o
}

// The NEXT cell's words for a running action and an overdue attempt, as a
// terminal (relative) and a pipe (absolute) print them: each is written by
// hand, not by a format string.
func TestNextCellOfRunningAndOverdue(t *testing.T) {
	at := func(d time.Duration) *time.Time { x := testNow.Add(d); return &x }
	running := func(latest time.Duration) inspect.RetryState {
		st := states(t, "retrying-upgrade")[0]
		st.Phase, st.WorkerUntil = inspect.PhaseProgressing, at(latest)
		st.Next.Action, st.Next.Earliest, st.Next.Latest = inspect.ActionUpgrade, at(-2*time.Minute), at(latest)
		st.Next.Anchor = &inspect.Anchor{Condition: "Reconciling", Time: testNow.Add(-2 * time.Minute)}
		return st
	}
	overdue := states(t, "retrying-upgrade")[0]
	overdue.Next.Action, overdue.Next.Overdue = inspect.ActionUpgrade, true
	overdue.Next.Earliest, overdue.Next.Latest, overdue.Next.Anchor = at(-time.Hour), at(-3*time.Minute), nil
	terminal, pipe := Options{Relative: true, Now: testNow}, Options{Now: testNow}
	for _, c := range []struct {
		st   inspect.RetryState
		o    Options
		want string
	}{
		{running(90 * time.Second), terminal, "upgrade running, done within 1m30s"},
		{running(-time.Second), terminal, "upgrade running for 2m (hooks)"},
		{running(90 * time.Second), pipe, "upgrade running, done by 2026-11-23T12:01:30Z"},
		{overdue, terminal, "upgrade overdue 3m"},
		{overdue, pipe, "upgrade overdue since 2026-11-23T11:57:00Z"},
	} {
		if got := windowNext(c.st, c.o); got != c.want {
			t.Errorf("NEXT %q, want %q", got, c.want)
		}
	}
	for f, want := range map[inspect.Failures]string{{Count: 2, Allowed: 3}: "2/3", {Count: 1, Total: 4, Allowed: -1}: "4/∞"} {
		if got := failuresText(f); got != want {
			t.Errorf("FAILURES %q, want %q", got, want)
		}
	}
}

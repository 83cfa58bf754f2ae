package cmd

import (
	"context"
	"sync"
	"time"
)

// background runs a live view's reads of the cluster (the controllers'
// health, the Events) off the view's loop: one read at a time, none before
// next, each finished read handed over once (take), so that the loop never
// waits on the API server. A read cut short by the end of the command says
// nothing and is dropped.
type background[T any] struct {
	ctx context.Context

	mu      sync.Mutex
	next    time.Time // the clock reading from which the next read may start
	running bool
	fresh   *T
}

// take returns the read that finished since the last take, if any. Else,
// when a read may start at now, it asks start for one: the read, and how
// long after now the next may start (ok false: nothing to read now).
func (b *background[T]) take(now time.Time, start func() (read func(context.Context) T, gap time.Duration, ok bool)) (T, bool) {
	var zero T
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fresh != nil {
		r := *b.fresh
		b.fresh = nil
		return r, true
	}
	if b.running || now.Before(b.next) {
		return zero, false
	}
	read, gap, ok := start()
	if !ok {
		return zero, false
	}
	b.running, b.next = true, now.Add(gap)
	go func() {
		r := read(b.ctx)
		b.mu.Lock()
		defer b.mu.Unlock()
		b.running = false
		if b.ctx.Err() == nil {
			b.fresh = &r
		}
	}()
	return zero, false
}

// notBefore puts the next read off until t (a read made in the loop).
func (b *background[T]) notBefore(t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next = t
}

package main

import (
	"net"
	"net/url"
	"time"

	"k8s.io/client-go/rest"
)

// The multi-cluster figure on one machine has every API server on the
// client's cores and no network. A delay line in front of each server
// adds what real clusters have: a round trip. It delays every byte by the
// same one-way latency in each direction without limiting the bandwidth
// (chunks are timestamped on arrival and written when due), which a
// sleep per chunk would not. Written here because the bench needs nothing
// more than this, and no tc/netem on an unprivileged machine.

// delayed returns copies of admins whose Host is a delay line to the
// server, and a function that stops the listeners.
func delayed(admins []*rest.Config, oneWay time.Duration) ([]*rest.Config, func(), error) {
	var out []*rest.Config
	var listeners []net.Listener
	stop := func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}
	for _, a := range admins {
		u, err := url.Parse(a.Host)
		if err != nil {
			stop()
			return nil, nil, err
		}
		ln, err := delayTo(u.Host, oneWay)
		if err != nil {
			stop()
			return nil, nil, err
		}
		listeners = append(listeners, ln)
		c := rest.CopyConfig(a)
		c.Host = "https://" + ln.Addr().String()
		out = append(out, c)
	}
	return out, stop, nil
}

// delayTo listens on a free loopback port and forwards every connection to
// upstream through the delay line, until the listener is closed.
func delayTo(upstream string, oneWay time.Duration) (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go serveDelayed(ln, upstream, oneWay)
	return ln, nil
}

func serveDelayed(ln net.Listener, upstream string, oneWay time.Duration) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed
		}
		go func() {
			u, err := net.Dial("tcp", upstream)
			if err != nil {
				_ = c.Close()
				return
			}
			done := make(chan struct{})
			go func() { delayCopy(u, c, oneWay); close(done) }()
			delayCopy(c, u, oneWay)
			<-done
			_, _ = c.Close(), u.Close()
		}()
	}
}

// delayCopy copies src to dst, each chunk oneWay after it arrived, then
// closes dst for writing (or entirely, if it cannot half-close).
func delayCopy(dst, src net.Conn, oneWay time.Duration) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	ch := make(chan chunk, 4096)
	go func() {
		defer close(ch)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				ch <- chunk{buf[:n], time.Now()}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range ch {
		time.Sleep(time.Until(c.at.Add(oneWay)))
		if _, err := dst.Write(c.b); err != nil {
			break
		}
	}
	for c := range ch { // drain, so the reader is not left blocked
		_ = c
	}
	if tc, ok := dst.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
		return
	}
	_ = dst.Close()
}

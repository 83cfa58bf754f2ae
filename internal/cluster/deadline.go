package cluster

import (
	"context"
	"io"
	"net/http"
	"time"
)

// requestDeadline gives --request-timeout one meaning in every command:
// the time one API request may take, as kubectl documents it, and never
// the length of a watch. client-go turns rest.Config.Timeout into the HTTP
// client's timeout, which also cuts every watch stream after that long
// (wait and status --watch would reconnect on a timer, force --wait
// could not watch for longer); so New moves it here, where a watch is
// left to its command's own --timeout.
type requestDeadline struct {
	next http.RoundTripper
	d    time.Duration
}

func (t requestDeadline) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Query().Get("watch") == "true" {
		return t.next.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.d)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	// The body is read after RoundTrip returns (a LIST streams): the
	// deadline covers it, and ends when it is closed.
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

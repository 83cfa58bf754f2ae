package groundtruth

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"time"
)

// logLine is one line the controller logged about one HelmRelease.
type logLine struct {
	At  time.Time // the controller's own timestamp (ms precision)
	Msg string
}

// logRouter is the controller's stdout and stderr: it copies every line to
// tee (the log file) and hands the lines about a HelmRelease to whoever
// subscribed to that release.
type logRouter struct {
	tee io.Writer

	mu      sync.Mutex
	partial []byte
	subs    map[string]func(logLine) // "namespace/name"
}

func newLogRouter() *logRouter {
	return &logRouter{subs: map[string]func(logLine){}}
}

// subscribe sends the lines about namespace/name to fn (called with the
// router's lock held: fn must be quick).
func (r *logRouter) subscribe(namespace, name string, fn func(logLine)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subs[namespace+"/"+name] = fn
}

func (r *logRouter) unsubscribe(namespace, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.subs, namespace+"/"+name)
}

// Write splits what the controller wrote into lines.
func (r *logRouter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tee != nil {
		_, _ = r.tee.Write(p)
	}
	r.partial = append(r.partial, p...)
	for {
		i := bytes.IndexByte(r.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		r.route(r.partial[:i])
		r.partial = r.partial[i+1:]
	}
}

// controllerLogTime is zap's ISO 8601 encoder, as fluxcd/pkg/runtime/logger
// configures it.
const controllerLogTime = "2006-01-02T15:04:05.000Z0700"

func (r *logRouter) route(line []byte) {
	var entry struct {
		TS          string `json:"ts"`
		Msg         string `json:"msg"`
		HelmRelease struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"HelmRelease"`
	}
	if json.Unmarshal(line, &entry) != nil || entry.HelmRelease.Name == "" {
		return
	}
	fn := r.subs[entry.HelmRelease.Namespace+"/"+entry.HelmRelease.Name]
	at, err := time.Parse(controllerLogTime, entry.TS)
	if fn == nil || err != nil {
		return
	}
	fn(logLine{At: at, Msg: entry.Msg})
}

// isDependencyCheck: the first thing a reconcile of a release with
// dependsOn logs ("checking 1 dependencies"). While the dependency is not
// ready, nothing else about the release changes, so this line is the only
// sign of the controller's recheck.
func isDependencyCheck(msg string) bool {
	return strings.HasPrefix(msg, "checking ") && strings.HasSuffix(msg, " dependencies")
}

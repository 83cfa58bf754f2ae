package render

import (
	"bytes"
	"io"
	"sync"
)

// PrefixWriter writes whole lines to a shared writer, each starting with a
// prefix (ContextPrefix): several clusters' goroutines print through it
// without interleaving inside a line, and a reader still sees which
// cluster each line is about. It holds a partial line until its newline
// or Flush.
type PrefixWriter struct {
	mu     *sync.Mutex // shared by every PrefixWriter over w
	w      io.Writer
	prefix string
	buf    []byte
}

// NewPrefixWriter writes to w through mu, the lock every writer sharing w
// holds while it writes.
func NewPrefixWriter(w io.Writer, mu *sync.Mutex, prefix string) *PrefixWriter {
	return &PrefixWriter{mu: mu, w: w, prefix: prefix}
}

// Write buffers p and writes out every complete line.
func (p *PrefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	i := bytes.LastIndexByte(p.buf, '\n')
	if i < 0 {
		return len(b), nil
	}
	err := p.emit(p.buf[:i+1])
	p.buf = append(p.buf[:0], p.buf[i+1:]...)
	return len(b), err
}

// Flush writes a last line that has no newline.
func (p *PrefixWriter) Flush() error {
	if len(p.buf) == 0 {
		return nil
	}
	err := p.emit(append(p.buf, '\n'))
	p.buf = p.buf[:0]
	return err
}

func (p *PrefixWriter) emit(lines []byte) error {
	var out bytes.Buffer
	for len(lines) > 0 {
		i := bytes.IndexByte(lines, '\n')
		out.WriteString(p.prefix)
		out.Write(lines[:i+1])
		lines = lines[i+1:]
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err := p.w.Write(out.Bytes())
	return err
}

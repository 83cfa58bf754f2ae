//go:build !unix

package cmd

// notifyResize: no resize signal here (Windows); live views read the size
// again at every tick instead.
func notifyResize() (resizeSignal, func()) { return nil, func() {} }

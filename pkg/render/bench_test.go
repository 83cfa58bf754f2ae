package render

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"sigs.k8s.io/yaml"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// fleetJSON is n HelmReleases as the API server would send them, cycling
// through the fixtures so every phase is represented.
func fleetJSON(b *testing.B, n int) [][]byte {
	b.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "inspect", "testdata", "states", "*.yaml"))
	var base [][]byte
	for _, f := range files {
		y, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		j, err := yaml.YAMLToJSON(y)
		if err != nil {
			b.Fatal(err)
		}
		base = append(base, j)
	}
	out := make([][]byte, n)
	for i := range out {
		out[i] = base[i%len(base)]
	}
	return out
}

func analyzeAll(raws [][]byte) []inspect.RetryState {
	states := inspect.AnalyzeDecoded(inspect.DecodeAll(raws), testNow, inspect.DefaultSettings())
	for i := range states {
		states[i].Name = fmt.Sprintf("%s-%d", states[i].Name, i)
	}
	return states
}

// BenchmarkAnalyzeAndRender5000 is the target: decode + Analyze +
// render of 5,000 objects (≤ 50 ms on the project's 2-core machine).
func BenchmarkAnalyzeAndRender5000(b *testing.B) {
	raws := fleetJSON(b, 5000)
	for _, mode := range []struct {
		name string
		o    Options
	}{{"piped", piped}, {"tty", tty}} {
		b.Run(mode.name, func(b *testing.B) {
			for b.Loop() {
				if err := Table(io.Discard, analyzeAll(raws), mode.o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAnalyze5000(b *testing.B) {
	raws := fleetJSON(b, 5000)
	for b.Loop() {
		analyzeAll(raws)
	}
}

func BenchmarkRender5000(b *testing.B) {
	states := analyzeAll(fleetJSON(b, 5000))
	b.Run("table-piped", func(b *testing.B) {
		for b.Loop() {
			_ = Table(io.Discard, states, piped)
		}
	})
	b.Run("table-tty", func(b *testing.B) {
		for b.Loop() {
			_ = Table(io.Discard, states, tty)
		}
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			_ = JSON(io.Discard, states, false, nil)
		}
	})
}

// BenchmarkAnalyzeOnly5000 is Analyze on objects already decoded.
func BenchmarkAnalyzeOnly5000(b *testing.B) {
	raws := fleetJSON(b, 5000)
	hrs := make([]*v2.HelmRelease, len(raws))
	for i, raw := range raws {
		hrs[i], _ = inspect.DecodeJSON(raw)
	}
	for b.Loop() {
		for _, hr := range hrs {
			inspect.Analyze(hr, testNow, inspect.DefaultSettings())
		}
	}
}

// BenchmarkDecode5000 is the JSON decoding alone.
func BenchmarkDecode5000(b *testing.B) {
	raws := fleetJSON(b, 5000)
	for b.Loop() {
		for _, raw := range raws {
			inspect.DecodeJSON(raw)
		}
	}
}

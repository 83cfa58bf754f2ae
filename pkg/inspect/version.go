package inspect

import "github.com/Masterminds/semver/v3"

// sameVersion says whether the chart version deployed is the one waited
// for. Helm chart versions are semver, compared as semver: "v1.2.3" is
// 1.2.3, and a +build suffix, which semver leaves out of precedence, matches
// its base version — source-controller appends the artifact's digest to the
// version of a chart built from a Git or bucket source (0.1.0+9505d804ef85),
// so `--for version=0.1.0` must match it. A wanted version that names a build
// matches that build only. What does not parse as semver is compared as text.
func sameVersion(deployed, wanted string) bool {
	if deployed == wanted {
		return true
	}
	d, err := semver.NewVersion(deployed)
	if err != nil {
		return false
	}
	w, err := semver.NewVersion(wanted)
	if err != nil {
		return false
	}
	if w.Metadata() != "" && w.Metadata() != d.Metadata() {
		return false
	}
	return d.Equal(w)
}

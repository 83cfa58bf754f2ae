package inspect

import (
	"reflect"
	"strings"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	jsonv2 "github.com/go-json-experiment/json"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fields are the JSON member names of one struct type as encoding/json
// sees them (embedded structs' members promoted), with the path to each
// field: the quick decoder's cases are by these names, and a member it has
// no case for is decoded into the field by path (cold).
type fields struct {
	byLen [48][]int // positions of the names of each length (the last: that long or longer)
	names []string
	paths [][]int
}

// lookup is the position of name, by length then bytes: a handful of
// comparisons, cheaper than hashing for a struct's few dozen names.
func (f *fields) lookup(name []byte) (int, bool) {
	for _, k := range f.byLen[min(len(name), len(f.byLen)-1)] {
		if f.names[k] == string(name) {
			return k, true
		}
	}
	return 0, false
}

// fieldsOf reads t's members from its json tags, as encoding/json does for
// the API's types (no two of their members share a name).
func fieldsOf(t reflect.Type) *fields {
	f := &fields{}
	f.add(t, nil)
	for k, n := range f.names {
		b := min(len(n), len(f.byLen)-1)
		f.byLen[b] = append(f.byLen[b], k)
	}
	return f
}

func (f *fields) add(t reflect.Type, prefix []int) {
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		path := append(append([]int(nil), prefix...), i)
		switch {
		case name == "-" && sf.Tag.Get("json") == "-":
			continue
		case sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct:
			f.add(sf.Type, path)
			continue
		case !sf.IsExported():
			continue
		case name == "":
			name = sf.Name
		}
		f.names = append(f.names, name)
		f.paths = append(f.paths, path)
	}
}

// folds: name is no member's exactly, yet encoding/json would match it to
// one (it matches names case-insensitively). The quick decoder leaves those
// to the others. Names that are not ASCII count as folding: Unicode folds
// them in ways not worth following ('K', the Kelvin sign, is a 'k').
func (f *fields) folds(name []byte) bool {
	for _, c := range name {
		if c >= 0x80 {
			return true
		}
	}
	for _, n := range f.names {
		if asciiEqualFold(n, name) {
			return true
		}
	}
	return false
}

func asciiEqualFold(a string, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// quickTypes are the member tables of the levels the quick decoder reads.
// Built once, read only.
type quickTypes struct {
	release, meta, spec, chart, chartSpec, sourceRef, status, condition, snapshot              *fields
	install, upgrade, installStrategy, upgradeStrategy, installRemediation, upgradeRemediation *fields
}

var quickNames = quickTypes{
	release:   fieldsOf(reflect.TypeFor[v2.HelmRelease]()),
	meta:      fieldsOf(reflect.TypeFor[metav1.ObjectMeta]()),
	spec:      fieldsOf(reflect.TypeFor[v2.HelmReleaseSpec]()),
	chart:     fieldsOf(reflect.TypeFor[v2.HelmChartTemplate]()),
	chartSpec: fieldsOf(reflect.TypeFor[v2.HelmChartTemplateSpec]()),
	sourceRef: fieldsOf(reflect.TypeFor[v2.CrossNamespaceObjectReference]()),
	status:    fieldsOf(reflect.TypeFor[v2.HelmReleaseStatus]()),
	condition: fieldsOf(reflect.TypeFor[metav1.Condition]()),
	snapshot:  fieldsOf(reflect.TypeFor[v2.Snapshot]()),

	install:            fieldsOf(reflect.TypeFor[v2.Install]()),
	upgrade:            fieldsOf(reflect.TypeFor[v2.Upgrade]()),
	installStrategy:    fieldsOf(reflect.TypeFor[v2.InstallStrategy]()),
	upgradeStrategy:    fieldsOf(reflect.TypeFor[v2.UpgradeStrategy]()),
	installRemediation: fieldsOf(reflect.TypeFor[v2.InstallRemediation]()),
	upgradeRemediation: fieldsOf(reflect.TypeFor[v2.UpgradeRemediation]()),
}

// members walks an object's members: next reads the next name (skipping
// the members of no field, as encoding/json ignores them) and stops at the
// end, or at the first error, kept in err.
type members struct {
	of      *fields
	seen    uint64 // the fields met so far: a duplicate is left to the others
	started bool
	err     error
	name    []byte
	field   int
}

func (q *quick) next(m *members) bool {
	for m.err == nil {
		if !q.delimit(m) {
			return false
		}
		if m.name, m.err = q.name(); m.err != nil {
			return false
		}
		k, ok := m.of.lookup(m.name)
		switch {
		case ok && (k >= 64 || m.seen&(1<<k) != 0):
			m.err = errQuick
		case ok:
			m.seen |= 1 << k
			m.field = k
			return true
		case m.of.folds(m.name):
			m.err = errQuick
		default:
			m.err = q.skip(0)
		}
	}
	return false
}

// delimit reads what stands before a member: '{' first, ',' after; it says
// false at the object's end.
func (q *quick) delimit(m *members) bool {
	if !m.started {
		m.started = true
		if !q.consume('{') {
			m.err = errQuick
			return false
		}
		return !q.consume('}')
	}
	if q.consume(',') {
		return true
	}
	if !q.consume('}') {
		m.err = errQuick
	}
	return false
}

// cold decodes the member m is at into its field of dst (a pointer to the
// struct m's table describes) with the JSON v2 module, leanOptions: the
// members the quick decoder has no case for.
func (q *quick) cold(m *members, dst any) error {
	start := q.i
	if err := q.skip(0); err != nil {
		return err
	}
	field := reflect.ValueOf(dst).Elem().FieldByIndex(m.of.paths[m.field]).Addr().Interface()
	if err := jsonv2.Unmarshal(q.b[start:q.i], field, leanOptions); err != nil {
		return errQuick
	}
	return nil
}

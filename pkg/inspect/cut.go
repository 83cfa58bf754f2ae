package inspect

import (
	"bytes"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// CutItem reads the next value off dec, as dec.ReadValue would, and appends
// it to dst without the members leanRelease skips: metadata.managedFields,
// spec.values, spec.postRenderers and status.inventory. A LIST's items are
// cut out of its stream this way, so those parts, most of a real object's
// bytes, are scanned once, here, and not a second time by the decoder (the
// cut read every byte, then decodeLean skipped the same bytes again: the
// two were half of a fleet's CPU, BENCHMARKS.md). The rest is the item's
// own bytes, member by member, so it decodes to the same object:
// FuzzCutItem holds DecodeJSON's fast path on the cut to it on the item.
// The skipped values are still read in full, so an item that is not valid
// JSON is an error here as it is for ReadValue. A value that is not an
// object is appended whole: the item decoder judges it.
func CutItem(dec *jsontext.Decoder, dst []byte) ([]byte, error) {
	return cutValue(dec, dst, inItem)
}

// part is where cutValue is in the item: the item itself, one of the
// top-level members with parts to skip, or anywhere else.
type part int

const (
	inOther part = iota
	inItem
	inMetadata
	inSpec
	inStatus
)

// cutValue appends the next value, the value of where.
func cutValue(dec *jsontext.Decoder, dst []byte, where part) ([]byte, error) {
	if where == inOther || dec.PeekKind() != '{' {
		v, err := dec.ReadValue()
		return append(dst, v...), err
	}
	if _, err := dec.ReadToken(); err != nil {
		return dst, err
	}
	dst = append(dst, '{')
	first := true
	for dec.PeekKind() == '"' {
		// The name's bytes are the decoder's buffer, valid until the next
		// read: they are judged and copied before it.
		rawName, err := dec.ReadValue()
		if err != nil {
			return dst, err
		}
		name := unquoteName(rawName)
		next := inOther
		if where == inItem {
			next = topLevel(name)
		} else if unreadMember(where, name) {
			if err := dec.SkipValue(); err != nil {
				return dst, err
			}
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(append(dst, rawName...), ':')
		if dst, err = cutValue(dec, dst, next); err != nil {
			return dst, err
		}
	}
	if _, err := dec.ReadToken(); err != nil { // '}', or the error of what stands there
		return dst, err
	}
	return append(dst, '}'), nil
}

// topLevel is the part a top-level member name names. Names match as
// leanOptions match them (as strings.EqualFold), so the cut drops exactly
// what the decoder would skip.
func topLevel(name []byte) part {
	switch {
	case bytes.EqualFold(name, []byte("metadata")):
		return inMetadata
	case bytes.EqualFold(name, []byte("spec")):
		return inSpec
	case bytes.EqualFold(name, []byte("status")):
		return inStatus
	}
	return inOther
}

// unreadMember: the member name of where is one leanRelease skips.
func unreadMember(where part, name []byte) bool {
	switch where {
	case inMetadata:
		return bytes.EqualFold(name, []byte("managedFields"))
	case inSpec:
		return bytes.EqualFold(name, []byte("values")) || bytes.EqualFold(name, []byte("postRenderers"))
	case inStatus:
		return bytes.EqualFold(name, []byte("inventory"))
	}
	return false
}

// unquoteName is the name a raw JSON string stands for: the bytes within
// the quotes when nothing is escaped (the API server escapes nothing in
// these names); otherwise unquoted by the decoder's rules.
func unquoteName(raw jsontext.Value) []byte {
	if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1]
	}
	var s string
	_ = jsonv2.Unmarshal(raw, &s, jsontext.AllowInvalidUTF8(true))
	return []byte(s)
}

package inspect

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"
	"testing/iotest"
)

// readListStd is ReadList by the book, with encoding/json's decoder: walk
// the page's members by their exact names, every "items" array's values in
// order, each decoded by Read; "metadata" decoded into the same ListMeta.
func readListStd(page []byte) ([]Decoded, ListMeta, error) {
	dec := json.NewDecoder(bytes.NewReader(page))
	var meta ListMeta
	var items []Decoded
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, meta, errors.New("not an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, meta, err
		}
		switch tok {
		case "items":
			var raws []json.RawMessage
			if err := dec.Decode(&raws); err != nil {
				return nil, meta, err
			}
			for _, raw := range raws {
				items = append(items, Read(raw))
			}
		case "metadata":
			err = dec.Decode(&meta)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return nil, meta, err
		}
	}
	_, err := dec.Token() // '}'
	return items, meta, err
}

// FuzzReadList: ReadList reads a page as readListStd does, whatever sizes
// the body's reads come in (the first byte of the input sets them): the
// same objects with the same problems, the same metadata, an error where it
// errs.
func FuzzReadList(f *testing.F) {
	for _, j := range stateJSONs(f) {
		f.Add(byte(0), []byte(`{"apiVersion":"v1","items":[`+string(j)+`,`+string(j)+`],"metadata":{"continue":"c","resourceVersion":"1"}}`))
	}
	for _, in := range []string{`{"items":null}`, `{"items":[]}`, `{"items":[1,"x",null,{}]}`, `{"items":{}}`, `{"items":[{}],"items":[{"metadata":{"name":"b"}}]}`,
		`{"metadata":{"continue":"a"},"metadata":{"resourceVersion":"2"}}`, `{"metadata":{"continue":5}}`, `{"metadata":null,"kind":"x"}`,
		`{"\u0069tems":[{"metadata":{"name":"esc"}}]}`, `{"Items":[{}]}`, `{"items":[{"metadata":{"name":"a"}}`, `{"items":[{"Metadata":{"name":"a"}},]}`,
		`{"items":[{"spec":{"values":{"a":[1,2,{"b":"\ud800"}]}}}]} trailing`, "{\"items\":[{\"metadata\":{\"name\":\"\xff\"}}]}", `[]`, ``, `{`} {
		f.Add(byte(3), []byte(in))
	}
	f.Fuzz(func(t *testing.T, chunk byte, page []byte) {
		want, wantMeta, errStd := readListStd(page)
		var r io.Reader = bytes.NewReader(page)
		switch chunk % 3 {
		case 1:
			r = iotest.OneByteReader(r)
		case 2:
			r = iotest.HalfReader(r)
		}
		var got []Decoded
		meta, err := ReadList(r, 1+int(chunk)%7, func(ds []Decoded) error { got = append(got, ds...); return nil })
		if (err == nil) != (errStd == nil) {
			t.Fatalf("ReadList: %v, encoding/json: %v on %q", err, errStd, page)
		}
		if err != nil {
			return
		}
		if meta != wantMeta || len(got) != len(want) {
			t.Fatalf("ReadList: %d items, %+v; encoding/json: %d, %+v on %q", len(got), meta, len(want), wantMeta, page)
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("item %d of %q: ReadList %+v, encoding/json %+v", i, page, got[i], want[i])
			}
		}
	})
}

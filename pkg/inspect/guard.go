package inspect

import "fmt"

// DecodePanic is a panic of a decoder, turned into an error.
type DecodePanic struct {
	What  string // what was being decoded: "the release", "the list"
	Value any    // what the decoder panicked with
}

func (p *DecodePanic) Error() string { return fmt.Sprintf("cannot decode %s: %v", p.What, p.Value) }

// DecodeSafely runs decode, a decoder of untrusted bytes (the API
// server's JSON, a watch event, Helm's storage), and turns a panic in it
// into a *DecodePanic. Every decoder of bytes read from the cluster runs
// under it: the JSON decoders' reflection and Helm's release types are not
// ours to audit for every input, and one crafted object must cost that
// object, not the command.
func DecodeSafely(what string, decode func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &DecodePanic{What: what, Value: p}
		}
	}()
	return decode()
}

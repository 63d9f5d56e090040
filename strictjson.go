// strictjson.go reads JSON the way this program's inputs are specified, which is stricter than
// encoding/json: exactly one value, nothing after it but white space (the decoder's More says
// false before a stray "]" or "}", so `{"test":0}]` would pass); every object's field names as
// the struct's json tags spell them, at every depth (encoding/json matches "LAYER" to "layer",
// and "Sizes" to "sizes"), and, unless asked to skip them, no other names; and, when asked, no array longer than a bound, counted while it is
// read, so that a megabyte of `[{},{},…]` is refused at its bound's first entry past it instead
// of being decoded into 350,000 values first. Only then does encoding/json fill the value,
// from bytes already known to be well-formed and within the bounds.
//
// The lab's requests (lab_http.go, readJSON) and -load files (model.go) come through here.

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// errNotShape stops the walk where a value is not of the type expected there (a string where
// an object should be): encoding/json then says so in its own words.
var errNotShape = errors.New("not of the expected type")

// jsonRules are the checks beyond the shape: maxItems bounds every array's length (0 leaves
// them unbounded, and arrays of numbers are then skipped whole, quickly, as -load's weights
// are); skipUnknown lets names that are no field's, not even in another case, through.
type jsonRules struct {
	maxItems    int
	skipUnknown bool
}

// strictUnmarshal decodes the one JSON value in b into v, a pointer, after checking it as the
// file's comment says. Errors are one line.
func strictUnmarshal(b []byte, v any, rules jsonRules) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	err := walkJSON(dec, reflect.TypeOf(v).Elem(), "", rules)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return errors.New("more than one value in the body, or something after it")
		}
	} else if !errors.Is(err, errNotShape) {
		return err
	}
	if uerr := json.Unmarshal(b, v); uerr != nil {
		return uerr
	}
	if err != nil { // encoding/json took what the walk did not: refuse it anyway
		return fmt.Errorf("a value is not of the expected type")
	}
	return nil
}

// walkJSON reads the next value from dec, which must be of type t, checking field names and
// array lengths on the way. at is where the value is, for errors ("checks[3]").
func walkJSON(dec *json.Decoder, t reflect.Type, at string, rules jsonRules) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
	case reflect.Slice, reflect.Array:
		if rules.maxItems == 0 && !holdsObjects(t) {
			var skip json.RawMessage // numbers only: nothing to check inside
			return dec.Decode(&skip)
		}
	default:
		var skip json.RawMessage
		return dec.Decode(&skip)
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil { // null: encoding/json leaves the value as it is
		return nil
	}
	d, ok := tok.(json.Delim)
	switch {
	case !ok:
		return errNotShape
	case d == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		for n := 0; dec.More(); n++ {
			if rules.maxItems > 0 && n >= rules.maxItems {
				return fmt.Errorf("%q has more than %d entries", strings.TrimPrefix(at, "."), rules.maxItems)
			}
			if err := walkJSON(dec, t.Elem(), fmt.Sprintf("%s[%d]", at, n), rules); err != nil {
				return err
			}
		}
	case d == '{' && t.Kind() == reflect.Map:
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return err
			}
			if err := walkJSON(dec, t.Elem(), fmt.Sprintf("%s.%v", at, key), rules); err != nil {
				return err
			}
		}
	case d == '{' && t.Kind() == reflect.Struct:
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			f, ok := jsonField(t, key)
			switch {
			case !ok && rules.skipUnknown && !jsonFieldFold(t, key):
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return err
				}
				continue
			case !ok:
				return fmt.Errorf("unknown field %q", quote(strings.TrimPrefix(at+"."+key, ".")))
			}
			if err := walkJSON(dec, f.Type, at+"."+key, rules); err != nil {
				return err
			}
		}
	default:
		return errNotShape
	}
	_, err = dec.Token() // the closing ] or }
	return err
}

// jsonField finds the field of struct t that JSON names key, exactly as its json tag (or, without
// one, its Go name) spells it, looking inside embedded structs as encoding/json does.
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || (!f.IsExported() && !f.Anonymous):
			continue
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			if g, ok := jsonField(f.Type, key); ok {
				return g, true
			}
			continue
		case name == "":
			name = f.Name
		}
		if name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// jsonFieldFold says whether struct t has a field that JSON names key in another case.
func jsonFieldFold(t reflect.Type, key string) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if strings.EqualFold(name, key) || (f.Anonymous && f.Type.Kind() == reflect.Struct && jsonFieldFold(f.Type, key)) {
			return true
		}
	}
	return false
}

// holdsObjects says whether values of type t can hold a JSON object somewhere inside, whose
// field names then need checking.
func holdsObjects(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct || t.Kind() == reflect.Map || t.Kind() == reflect.Interface
}

// strictjson.go reads JSON the way this program's inputs are specified, which is stricter than
// encoding/json: exactly one value, nothing after it but white space (the decoder's More says
// false before a stray "]" or "}", so `{"test":0}]` would pass); every object's field names as
// the struct's json tags spell them, at every depth (encoding/json matches "LAYER" to "layer",
// and "Sizes" to "sizes"), each at most once (encoding/json keeps the last of two), and, unless
// asked to skip them, no other names; and, when asked, no array longer than a bound, counted
// while it is read, so that a megabyte of `[{},{},…]` is refused at its bound's first entry past
// it instead of being decoded into 350,000 values first. The walk reads token by token, within
// its own bounds of nesting and token length, and counts what the value will take in memory
// once decoded, so that a file can be refused for it before encoding/json fills the value from
// bytes already known to be well-formed and within the bounds.
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

// The walk's own bounds, for any input: nesting (json.Decoder's Token keeps a stack of every open
// array and object, and encoding/json's limit, 10,000, is reached only after that stack is
// built) and the length of one token (a string, a number: the decoder holds a token whole).
// The program's inputs nest four deep at most and their longest token is a number's 24
// characters or a setting's value.
const (
	maxJSONDepth = 64
	maxJSONToken = 1 << 16
)

// jsonRules are the checks beyond the shape: maxItems bounds every array's length (0 leaves
// them unbounded), bounds the arrays at the places it names ("sizes", "layers": field names
// from the top, joined by dots); skipUnknown lets names that are no field's, not even in another
// case, through; maxDecoded, if not 0, refuses a value that encoding/json would take more than
// that many bytes to hold (jsonWalk.decoded), before it is decoded.
type jsonRules struct {
	maxItems    int
	bounds      map[string]int
	skipUnknown bool
	maxDecoded  float64
}

// jsonBoundError is a value refused for its size (an array past its bound, more memory than
// allowed), not for its form: the caller may say what the bound is for.
type jsonBoundError struct {
	msg    string
	memory bool // the memory bound, not an array's
}

func (e *jsonBoundError) Error() string { return e.msg }

// jsonWalk is one walk over a JSON value (walk), with its rules and what it has counted.
type jsonWalk struct {
	dec   *json.Decoder
	rules jsonRules
	// decoded counts what encoding/json will allocate for the value: every array's entries at
	// the size of its Go element (a float64, a slice header, a struct) twice over, since a slice
	// grows by appending and may end with twice the room it needs, and every string's bytes.
	decoded float64
}

// strictUnmarshal decodes the one JSON value in b into v, a pointer, after checking it as the
// file's comment says, and returns what the value takes in memory (jsonWalk.decoded). Errors are
// one line.
func strictUnmarshal(b []byte, v any, rules jsonRules) (float64, error) {
	if err := scanJSON(b); err != nil {
		return 0, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	w := &jsonWalk{dec: dec, rules: rules}
	if err := w.walk(reflect.TypeOf(v).Elem(), ""); err != nil {
		return 0, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return 0, errors.New("more than one value in the body, or something after it")
	}
	if rules.maxDecoded > 0 && w.decoded > rules.maxDecoded {
		return 0, &jsonBoundError{fmt.Sprintf("would take %s of memory to read, more than the %s allowed", bytesString(w.decoded), bytesString(rules.maxDecoded)), true}
	}
	return w.decoded, json.Unmarshal(b, v)
}

// scanJSON checks b against the walk's own bounds, maxJSONDepth and maxJSONToken, byte by byte
// and allocating nothing, before a decoder reads it.
func scanJSON(b []byte) error {
	depth, token, inString, escaped := 0, 0, false, false
	for _, c := range b {
		switch {
		case inString:
			token++
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString, token = true, 1
		case c == '[' || c == '{':
			depth, token = depth+1, 0
			if depth > maxJSONDepth {
				return fmt.Errorf("nested more than %d deep", maxJSONDepth)
			}
		case c == ']' || c == '}':
			depth, token = depth-1, 0
		case c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r':
			token = 0
		default:
			token++
		}
		if token > maxJSONToken {
			return fmt.Errorf("a string or number of more than %d bytes", maxJSONToken)
		}
	}
	return nil
}

// walk reads the next value, which must be of type t, checking field names and array lengths on
// the way and counting what it will take decoded. at is where the value is, for errors
// ("checks[3]"). Every value is read token by token, so that the decoder never holds more than
// one token (a value skipped whole would be held whole: a megabyte of weights, twice).
func (w *jsonWalk) walk(t reflect.Type, at string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	d, isDelim := tok.(json.Delim)
	if isDelim && t.Kind() == reflect.Interface { // encoding/json makes []any and map[string]any
		t = map[json.Delim]reflect.Type{'[': reflect.TypeFor[[]any](), '{': reflect.TypeFor[map[string]any]()}[d]
	}
	switch {
	case tok == nil: // null: encoding/json leaves the value as it is
		return nil
	case !isDelim && t == reflect.TypeFor[json.Number]():
		// encoding/json would take a string "1" for the number 1 here: a number it must be.
		if _, isString := tok.(string); isString {
			return fmt.Errorf("%q is a string, not a number", strings.TrimPrefix(at, "."))
		}
		return nil
	case !isDelim && t.Kind() == reflect.String:
		str, _ := tok.(string)
		w.decoded += float64(len(str))
		return nil
	case !isDelim && t.Kind() != reflect.Struct && t.Kind() != reflect.Map && t.Kind() != reflect.Slice && t.Kind() != reflect.Array:
		return nil // a number or a boolean: encoding/json says whether it fits
	case isDelim && d == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		place := strings.TrimPrefix(at, ".")
		limit, bounded := w.rules.bounds[jsonPlace(place)]
		if !bounded {
			limit = w.rules.maxItems
		}
		n := 0
		for ; w.dec.More(); n++ {
			if limit > 0 && n >= limit {
				return &jsonBoundError{fmt.Sprintf("%q has more than %d entries", place, limit), false}
			}
			if err := w.walk(t.Elem(), fmt.Sprintf("%s[%d]", at, n)); err != nil {
				return err
			}
		}
		if t.Kind() == reflect.Slice {
			w.decoded += float64(2 * float64(n) * float64(t.Elem().Size()))
		}
	case isDelim && d == '{' && t.Kind() == reflect.Map:
		seen := map[string]bool{}
		for w.dec.More() {
			tok, err := w.dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			if seen[key] {
				return fmt.Errorf("%q appears twice", quote(strings.TrimPrefix(at+"."+key, ".")))
			}
			seen[key] = true
			w.decoded += float64(len(key)) + float64(2*(t.Key().Size()+t.Elem().Size()))
			if err := w.walk(t.Elem(), at+"."+key); err != nil {
				return err
			}
		}
	case isDelim && d == '{' && t.Kind() == reflect.Struct:
		seen := make([]bool, t.NumField())
		for w.dec.More() {
			tok, err := w.dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			f, ok := jsonField(t, key)
			switch {
			case !ok && w.rules.skipUnknown && !jsonFieldFold(t, key):
				if err := w.skip(); err != nil {
					return err
				}
				continue
			case !ok:
				return fmt.Errorf("unknown field %q", quote(strings.TrimPrefix(at+"."+key, ".")))
			case len(f.Index) == 1 && seen[f.Index[0]]:
				return fmt.Errorf("%q appears twice", quote(strings.TrimPrefix(at+"."+key, ".")))
			case len(f.Index) == 1:
				seen[f.Index[0]] = true
			}
			if err := w.walk(f.Type, at+"."+key); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%s is not of the expected type", quote(jsonWhere(at)))
	}
	_, err = w.dec.Token() // the closing ] or }
	return err
}

// skip reads one value that no field takes, token by token.
func (w *jsonWalk) skip() error {
	depth := 0
	for {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// jsonPlace is a place in a value without its indices: "layers[3].w" is "layers[].w", the form
// jsonRules.bounds names places in.
func jsonPlace(at string) string {
	var b strings.Builder
	skipping := false
	for _, r := range at {
		switch {
		case r == '[':
			b.WriteString("[]")
			skipping = true
		case r == ']':
			skipping = false
		case !skipping:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// jsonWhere names a place for an error: "the value" for the whole of it.
func jsonWhere(at string) string {
	if at == "" {
		return "the value"
	}
	return strings.TrimPrefix(at, ".")
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

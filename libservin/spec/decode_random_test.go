package spec

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// randomDoc writes a random JSON value shaped like t to b: objects with
// random subsets of t's fields under randomly cased or unknown keys,
// duplicate keys, nulls, boundary integers, escaped strings, and now and
// then a value of the wrong kind.
func randomDoc(r *rand.Rand, b *strings.Builder, t reflect.Type, depth int) {
	if r.IntN(30) == 0 {
		b.WriteString([]string{`null`, `1`, `-1`, `1.5`, `"s"`, `true`, `[]`, `{}`, `[null]`, `{"a":null}`}[r.IntN(10)])
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		randomDoc(r, b, t.Elem(), depth)
	case reflect.String:
		b.WriteString([]string{`"a"`, `""`, `"\u00e9\n"`, `"\ud83d\ude00"`, `"\ud83d"`, "\"\xff\"", `"x\"y"`}[r.IntN(7)])
	case reflect.Bool:
		b.WriteString([]string{`true`, `false`}[r.IntN(2)])
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		bits := t.Bits()
		n := []string{"0", "-0", "1", "-1", "7",
			strconv.FormatUint(1<<(bits-1)-1, 10), strconv.FormatUint(1<<(bits-1), 10),
			"-" + strconv.FormatUint(1<<(bits-1), 10), strconv.FormatUint(1<<bits-1, 10),
			"18446744073709551616", "1e2", "2.0"}
		b.WriteString(n[r.IntN(len(n))])
	case reflect.Slice:
		b.WriteByte('[')
		for i := range r.IntN(4) {
			if i > 0 {
				b.WriteByte(',')
			}
			randomDoc(r, b, t.Elem(), depth+1)
		}
		b.WriteByte(']')
	case reflect.Map:
		b.WriteByte('{')
		for i := range r.IntN(4) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString([]string{`"a"`, `"b"`, `"A"`}[r.IntN(3)] + ":")
			randomDoc(r, b, t.Elem(), depth+1)
		}
		b.WriteByte('}')
	case reflect.Struct:
		randomObject(r, b, t, depth)
	default:
		b.WriteString(`{"unknown":[1,{"x":"y"}]}`)
	}
}

// randomObject writes an object for struct type t.
func randomObject(r *rand.Rand, b *strings.Builder, t reflect.Type, depth int) {
	b.WriteByte('{')
	n := r.IntN(5)
	if depth > 4 {
		n = r.IntN(2)
	}
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		f := t.Field(r.IntN(t.NumField()))
		if f.Anonymous { // a promoted field
			f = f.Type.Field(r.IntN(f.Type.NumField()))
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		switch r.IntN(6) {
		case 0:
			name = strings.ToUpper(name)
		case 1:
			name = "x" + name
		}
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteByte(':')
		randomDoc(r, b, f.Type, depth+1)
	}
	b.WriteByte('}')
}

// TestDecodeRandom compares both decoders on random documents shaped like
// a config: merges, duplicates, nulls, folding and kind errors in
// combinations the byte fuzzer rarely builds.
func TestDecodeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if s := os.Getenv("SPEC_DECODE_RANDOM"); s != "" {
		n, _ = strconv.Atoi(s) // longer local runs
	}
	if testing.Short() {
		n = 2000
	}
	st, pt := reflect.TypeFor[specs.Spec](), reflect.TypeFor[specs.Process]()
	errs := 0
	for range n {
		var b strings.Builder
		if r.IntN(4) == 0 {
			randomObject(r, &b, pt, 0)
		} else {
			randomObject(r, &b, st, 0)
		}
		data := []byte(b.String())
		if _, err := jsonLinux(data); err != nil {
			errs++
		}
		if d := differ(data); d != "" {
			t.Fatalf("%s: %s", data, d)
		}
	}
	// Both outcomes must be exercised.
	if errs == 0 || errs == n {
		t.Fatalf("%d of %d random documents were errors", errs, n)
	}
	t.Logf("%d of %d random documents were errors", errs, n)
}

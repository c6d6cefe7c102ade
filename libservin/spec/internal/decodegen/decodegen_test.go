package decodegen

import (
	"reflect"
	"strings"
	"testing"

	"github.com/servin/servin/libservin/spec/internal/jsonfold"
)

type withInterface struct{ X any }
type withFloat struct{ X float64 }
type withFunc struct{ X func() }
type withChan struct{ X chan int }
type withBytes struct{ X []byte }
type withArray struct{ X [2]string }
type withIntMap struct{ X map[int]string }
type withQuoted struct {
	X int `json:"x,string"`
}
type custom struct{}

func (*custom) UnmarshalJSON([]byte) error { return nil }

type withCustom struct{ X *custom }
type text string

func (*text) UnmarshalText([]byte) error { return nil }

type withText struct{ X []text }
type withTextKey struct{ X map[text]string }
type inner struct{ A string }
type inner2 struct{ A string }
type withAmbiguous struct {
	inner
	inner2
}
type withEmbeddedPtr struct{ *inner }
type withDeepFloat struct{ X map[string][]*withFloat }

// TestGenerateRefuses: kinds the generated decoder cannot decode as
// encoding/json does fail the generation, naming the type.
func TestGenerateRefuses(t *testing.T) {
	tests := []struct {
		root any
		want string
	}{
		{withInterface{}, "interface"},
		{withFloat{}, "float64"},
		{withFunc{}, "func"},
		{withChan{}, "chan"},
		{withBytes{}, "byte slices"},
		{withArray{}, "array"},
		{withIntMap{}, "string keys"},
		{withQuoted{}, ",string"},
		{withCustom{}, "UnmarshalJSON"},
		{withText{}, "UnmarshalText"},
		{withTextKey{}, "UnmarshalText"},
		{withAmbiguous{}, "ambiguous"},
		{withEmbeddedPtr{}, "embedded pointers"},
		{withDeepFloat{}, "float64"},
	}
	for _, tc := range tests {
		typ := reflect.TypeOf(tc.root)
		t.Run(typ.Name(), func(t *testing.T) {
			_, err := Generate(Config{Package: "p", Roots: []reflect.Type{typ}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one with %q", err, tc.want)
			}
		})
	}
	if _, err := Generate(Config{Package: "p", Roots: []reflect.Type{reflect.TypeFor[inner]()},
		Omit: map[reflect.Type][]string{reflect.TypeFor[inner](): {"B"}}}); err == nil {
		t.Error("omitting a field that does not exist accepted")
	}
}

type named string
type folded struct {
	Kelvin string `json:"kelvin"`
	Other  string `json:"KELVIN"` // folds like kelvin: the first one takes the folded name
	Skip   string `json:"-"`
	Dash   string `json:"-,"`
	Bad    string `json:"a\\b"` // not a valid tag name: the field name is used
	Untag  named
	hidden string
	inner  // unexported embedded struct: A is promoted
	Shadow struct {
		A string
	} `json:"A"` // tagged at depth 0, wins over inner.A
}

// TestJSONFields: names, tags, embedding and folding follow encoding/json.
func TestJSONFields(t *testing.T) {
	fields, err := jsonFields(reflect.TypeFor[folded](), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fields {
		names = append(names, f.name+"="+f.selector)
	}
	want := "kelvin=Kelvin KELVIN=Other -=Dash Bad=Bad Untag=Untag A=Shadow"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("fields %s, want %s", got, want)
	}
	type wrapper struct{ F *folded }
	src, err := Generate(Config{Package: "p", Roots: []reflect.Type{reflect.TypeFor[wrapper]()}})
	if err == nil || !strings.Contains(err.Error(), "anonymous struct") {
		t.Fatalf("anonymous struct field accepted: %v\n%s", err, src)
	}
	type plain struct {
		Kelvin string `json:"kelvin"`
		Other  string `json:"KELVIN"`
		Sub    []map[string]*inner
	}
	src, err = Generate(Config{Package: "p", Roots: []reflect.Type{reflect.TypeFor[plain]()}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	if strings.Count(s, `case "KELVIN":`) != 2 || strings.Count(s, "f = 1") != 1 {
		t.Errorf("folded tie not given to the first field:\n%s", s)
	}
	for _, w := range []string{"func decodeMapStringPtrInner(", "func decodePtrInner(", "func decodeInner("} {
		if !strings.Contains(s, w) {
			t.Errorf("no %s in\n%s", w, s)
		}
	}
	if got := string(jsonfold.Append(nil, []byte("kelvin"))); got != "KELVIN" {
		t.Errorf("fold = %q", got)
	}
}

// TestGenerateLinuxSpec: the real configuration generates.
func TestGenerateLinuxSpec(t *testing.T) {
	src, err := Generate(LinuxSpec())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "func decodeLinuxWeightDevice(") || strings.Contains(string(src), "Windows") {
		t.Error("unexpected generated code")
	}
}

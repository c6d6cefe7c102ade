package spec

import (
	"encoding/json"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestUnmarshalLinux: the Linux sections decode exactly as into
// specs.Spec; other platforms' sections are dropped. linuxSpec must keep
// every field of specs.Spec but those.
func TestUnmarshalLinux(t *testing.T) {
	s := Default()
	s.Hostname, s.Domainname = "h", "d"
	s.Annotations = map[string]string{"a": "b"}
	s.Hooks = &specs.Hooks{Poststart: []specs.Hook{{Path: "/bin/true"}}}
	s.Linux.Sysctl = map[string]string{"k": "v"}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var got specs.Spec
	if err := UnmarshalLinux(data, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, s) {
		t.Fatalf("decoded %+v, want %+v", got, *s)
	}
	skipped := map[string]bool{"Solaris": true, "Windows": true, "VM": true, "ZOS": true, "FreeBSD": true}
	have := map[string]bool{}
	lt := reflect.TypeOf(linuxSpec{})
	for i := 0; i < lt.NumField(); i++ {
		have[lt.Field(i).Name] = true
	}
	st := reflect.TypeOf(specs.Spec{})
	for i := 0; i < st.NumField(); i++ {
		f := st.Field(i)
		if !have[f.Name] && !skipped[f.Name] {
			t.Errorf("linuxSpec lacks specs.Spec.%s", f.Name)
		}
		if have[f.Name] {
			lf, _ := lt.FieldByName(f.Name)
			if lf.Type != f.Type || lf.Tag.Get("json") != f.Tag.Get("json") {
				t.Errorf("linuxSpec.%s is %v %q, specs.Spec's %v %q", f.Name, lf.Type, lf.Tag, f.Type, f.Tag)
			}
		}
	}
	if err := UnmarshalLinux([]byte(`{"ociVersion": 1}`), &got); err == nil {
		t.Fatal("bad JSON accepted")
	}
}

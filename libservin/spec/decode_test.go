package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/servin/servin/libservin/seccomp"
	"github.com/servin/servin/libservin/spec/internal/decodegen"
)

// linuxSpec is specs.Spec without the sections of other platforms
// (windows, solaris, vm, zos, freebsd): what UnmarshalLinux decoded with
// encoding/json before the generated decoder, and what the tests hold it
// to.
type linuxSpec struct {
	Version     string            `json:"ociVersion"`
	Process     *specs.Process    `json:"process,omitempty"`
	Root        *specs.Root       `json:"root,omitempty"`
	Hostname    string            `json:"hostname,omitempty"`
	Domainname  string            `json:"domainname,omitempty"`
	Mounts      []specs.Mount     `json:"mounts,omitempty"`
	Hooks       *specs.Hooks      `json:"hooks,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Linux       *specs.Linux      `json:"linux,omitempty"`
}

// jsonLinux is UnmarshalLinux done with encoding/json.
func jsonLinux(data []byte) (specs.Spec, error) {
	var l linuxSpec
	if err := json.Unmarshal(data, &l); err != nil {
		return specs.Spec{}, err
	}
	return specs.Spec{
		Version: l.Version, Process: l.Process, Root: l.Root, Hostname: l.Hostname, Domainname: l.Domainname,
		Mounts: l.Mounts, Hooks: l.Hooks, Annotations: l.Annotations, Linux: l.Linux,
	}, nil
}

// differ compares the generated decoder with encoding/json on data and
// describes the first difference ("" if none).
func differ(data []byte) string {
	want, werr := jsonLinux(data)
	var got specs.Spec
	gerr := UnmarshalLinux(data, &got)
	switch {
	case (werr == nil) != (gerr == nil):
		return fmt.Sprintf("UnmarshalLinux error %v, encoding/json's %v", gerr, werr)
	case werr == nil && !reflect.DeepEqual(got, want):
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		return fmt.Sprintf("UnmarshalLinux decoded\n%s\nencoding/json\n%s", g, w)
	}
	var wantP, gotP specs.Process
	werr = json.Unmarshal(data, &wantP)
	gerr = UnmarshalProcess(data, &gotP)
	switch {
	case (werr == nil) != (gerr == nil):
		return fmt.Sprintf("UnmarshalProcess error %v, encoding/json's %v", gerr, werr)
	case werr == nil && !reflect.DeepEqual(gotP, wantP):
		return fmt.Sprintf("UnmarshalProcess decoded %+v, encoding/json %+v", gotP, wantP)
	}
	return ""
}

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
	// The generator leaves out exactly the fields linuxSpec lacks.
	omitted := decodegen.LinuxSpec().Omit[st]
	if len(omitted) != len(skipped) {
		t.Errorf("generator omits %v, linuxSpec %v", omitted, skipped)
	}
	for _, n := range omitted {
		if !skipped[n] {
			t.Errorf("generator omits %s, which linuxSpec has", n)
		}
	}
	if err := UnmarshalLinux([]byte(`{"ociVersion": 1}`), &got); err == nil {
		t.Fatal("bad JSON accepted")
	}
}

// TestUnmarshalLinuxError: an error names the field and type, and leaves
// the spec as it was.
func TestUnmarshalLinuxError(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"process":{"user":{"uid":"0"}}}`, `cannot unmarshal string into process.user.uid of type uint32`},
		{`{"mounts":[{},{"options":[1]}]}`, `cannot unmarshal number 1 into mounts[1].options[0] of type string`},
		{`{"linux":{"sysctl":{"a":true}}}`, `cannot unmarshal bool into linux.sysctl["a"] of type string`},
		{`{"process":{"oomScoreAdj":1.5}}`, `cannot unmarshal number 1.5 into process.oomScoreAdj of type int`},
		{`[]`, `cannot unmarshal array into value of type specs.Spec`},
		{`{"x":[1,}`, `invalid character '}' looking for beginning of value (offset 8)`},
		{`{} x`, `invalid character 'x' after top-level value`},
		{``, `unexpected end of JSON input`},
		{`{"x":` + strings.Repeat("[", 10001), `exceeded max depth`},
	}
	for _, tc := range tests {
		t.Run(tc.in[:min(len(tc.in), 20)], func(t *testing.T) {
			s := specs.Spec{Hostname: "keep"}
			err := UnmarshalLinux([]byte(tc.in), &s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one with %q", err, tc.want)
			}
			if s.Hostname != "keep" {
				t.Errorf("spec changed on error: %+v", s)
			}
		})
	}
}

// tricky are inputs for each rule the decoder copies from encoding/json;
// they are also fuzz seeds.
var tricky = []string{
	// Top level.
	``, ` `, `null`, ` null `, `{}`, `{} `, `{}{}`, `{},`, `[]`, `1`, `"x"`, `true`, `nul`, `{`, `}`,
	"\t{\r\n}\n", `{"ociVersion":"1.0.0"} x`, `{"ociVersion":"1.0.0"}]`, "\xef\xbb\xbf{}", "{}\x00",
	// Keys: exact, folded, first folded field, unknown, escaped, duplicate.
	`{"OCIVERSION":"a"}`, `{"ociversion":"a","ociVersion":"b"}`, `{"ociVersion":"b","OciVersion":"a"}`,
	`{"HOSTname":"h","Linux":{"Namespaces":[{"TYPE":"pid","Path":"/p"}]}}`,
	`{"hostnam\u0065":"h"}`, `{"\u0068ostname":"h"}`, `{"ho\"stname":"h"}`,
	`{"process":{"\u017felinuxLabel":"x","appArmorProfile":"y","te\u212ainal":true}}`,
	`{"process":{"terminal":true,"TERMINAL":false}}`, `{"PROCESS":{"Terminal":true}}`,
	`{"linux":{"resources":{"memory":{"\u212aernel":5,"\u212AERNELtcp":6}}}}`, "{\"linux\":{\"resources\":{\"memory\":{\"\u212aernel\":5}}}}",
	`{"pro\u0063e\u017f\u017f":{"te\u0072minal":true}}`, `{"hostname\u0000":"x"}`, `{"hostname ":"x"}`,
	`{"unknown":{"a":[1,2,{"b":null}],"c":"\u00e9"},"windows":{"layerFolders":["x"]},"solaris":1,"vm":[],"zos":{},"freebsd":null}`,
	`{"windows":{"credentialSpec":{"a":1}}}`, `{"Windows":5}`,
	// Duplicates: pointers and maps merge, slices reuse elements.
	`{"process":{"cwd":"/a"},"process":{"args":["x"]}}`,
	`{"process":{"cwd":"/a"},"process":null,"process":{"args":["x"]}}`,
	`{"annotations":{"a":"1"},"annotations":{"b":"2"}}`,
	`{"annotations":{"a":"1"},"annotations":null}`,
	`{"annotations":{"a":"1","a":"2"}}`,
	`{"mounts":[{"destination":"/a","type":"x"},{"destination":"/b","options":["ro"]}],"mounts":[{"destination":"/c"}]}`,
	`{"mounts":[{"destination":"/a","type":"x"},{"destination":"/b","options":["ro"]}],"mounts":[{"destination":"/c"}],"mounts":[{},{"source":"s"}]}`,
	`{"mounts":[{"destination":"/a"}],"mounts":[]}`, `{"mounts":[{"destination":"/a"}],"mounts":null}`,
	`{"process":{"args":["a","b","c"],"args":["d"],"args":["e","f"]}}`,
	`{"linux":{"resources":{"devices":[{"allow":true,"major":1}],"devices":[{"minor":2}]}}}`,
	`{"linux":{"resources":{"rdma":{"a":{"hcaHandles":1}},"rdma":{"a":{"hcaObjects":2},"b":null}}}}`,
	`{"linux":{"netDevices":{"eth0":{"name":"x"},"eth0":{}}}}`,
	`{"process":{"user":{"uid":1,"additionalGids":[1,2]},"user":{"gid":2,"additionalGids":[3]}}}`,
	// null.
	`{"ociVersion":"a","ociVersion":null}`, `{"process":{"terminal":true,"terminal":null}}`,
	`{"process":null}`, `{"process":{"user":null,"args":null,"env":[null],"rlimits":[null]}}`,
	`{"linux":{"sysctl":{"a":null},"timeOffsets":{"x":null},"uidMappings":null,"resources":{"memory":{"limit":null}}}}`,
	`{"process":{"oomScoreAdj":3,"oomScoreAdj":null}}`, `{"process":{"capabilities":null,"consoleSize":null}}`,
	`{"linux":{"resources":{"blockIO":{"weightDevice":[{"major":1,"minor":2,"weight":3}],"throttleReadBpsDevice":[{"MAJOR":4,"rate":5}]}}}}`,
	// Integers.
	`{"process":{"user":{"uid":4294967295}}}`, `{"process":{"user":{"uid":4294967296}}}`,
	`{"process":{"user":{"uid":-1}}}`, `{"process":{"user":{"uid":-0}}}`, `{"process":{"user":{"uid":0}}}`,
	`{"process":{"user":{"uid":1.0}}}`, `{"process":{"user":{"uid":1e3}}}`, `{"process":{"user":{"uid":1E3}}}`,
	`{"process":{"user":{"uid":01}}}`, `{"process":{"user":{"uid":-}}}`, `{"process":{"user":{"uid":1.}}}`,
	`{"process":{"user":{"uid":1e}}}`, `{"process":{"user":{"uid":"1"}}}`, `{"process":{"user":{"uid":true}}}`,
	`{"process":{"oomScoreAdj":-9223372036854775808}}`, `{"process":{"oomScoreAdj":-9223372036854775809}}`,
	`{"process":{"oomScoreAdj":9223372036854775807}}`, `{"process":{"oomScoreAdj":9223372036854775808}}`,
	`{"process":{"oomScoreAdj":-0}}`, `{"process":{"oomScoreAdj":18446744073709551616}}`,
	`{"linux":{"resources":{"memory":{"swappiness":18446744073709551615}}}}`,
	`{"linux":{"resources":{"memory":{"swappiness":18446744073709551616}}}}`,
	`{"linux":{"resources":{"memory":{"swappiness":99999999999999999999999}}}}`,
	`{"linux":{"resources":{"blockIO":{"weight":65535}}}}`, `{"linux":{"resources":{"blockIO":{"weight":65536}}}}`,
	`{"linux":{"devices":[{"fileMode":438,"major":-1}]}}`, `{"linux":{"devices":[{"fileMode":-438}]}}`,
	`{"process":{"rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}]}}`,
	`{"linux":{"seccomp":{"syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW","errnoRet":1,"args":[{"index":1,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}}}`,
	// Wrong kinds.
	`{"process":"x"}`, `{"process":[]}`, `{"process":1}`, `{"process":true}`, `{"mounts":{}}`, `{"mounts":"x"}`,
	`{"annotations":[]}`, `{"annotations":{"a":1}}`, `{"annotations":{"a":{}}}`, `{"hostname":1}`, `{"hostname":{}}`,
	`{"hostname":[]}`, `{"hostname":true}`, `{"process":{"terminal":"true"}}`, `{"process":{"terminal":1}}`,
	`{"process":{"args":"sh"}}`, `{"process":{"args":[1]}}`, `{"process":{"user":[]}}`, `{"linux":{"namespaces":[[]]}}`,
	// Syntax inside skipped and decoded values.
	`{"x":[1,2,]}`, `{"x":{"a":1,}}`, `{"x":{,}}`, `{"x":[,]}`, `{"x":{"a"}}`, `{"x":{"a":}}`, `{"x":{1:2}}`,
	`{"x":tru}`, `{"x":nulll}`, `{"x":True}`, `{"x":NaN}`, `{"x":-Infinity}`, `{"x":+1}`, `{"x":.5}`, `{"x":0x10}`,
	`{"x":"\x01"}`, `{"x":"\'"}`, `{"x":"\u12"}`, `{"x":"\u12g4"}`, `{"x":"a`, `{"x":"a\`, `{"x":1 2}`,
	`{"x":[1 2]}`, `{"x":{"a":1 "b":2}}`, `{"x" 1}`, `{"x":1,,"y":2}`, `{,"x":1}`, `{"a":1}}`, `{"a":[1]]}`,
	`{"hostname":"a","hostname":"b",}`, `{"hostname":"\x7f"}`, "{\"hostname\":\"\t\"}",
	// Strings.
	`{"hostname":"a\"b\\c\/d\be\ff\ng\rh\ti"}`, `{"hostname":"\u0000\u001f\u00e9\u4e16"}`,
	`{"hostname":"\ud83d\ude00"}`, `{"hostname":"\ud83d"}`, `{"hostname":"\ud83dx"}`, `{"hostname":"\ude00\ud83d"}`,
	`{"hostname":"\ud83d\ud83d\ude00"}`, `{"hostname":"\ud83d\u0041"}`, `{"hostname":"\ud83d\"}`,
	`{"hostname":"\ud83d\uzzzz"}`, `{"hostname":"\ud83d\\"}`, `{"hostname":"\uDBFF\uDFFF"}`, `{"hostname":"\uD800\uDC00"}`,
	"{\"hostname\":\"\xff\xfe\"}", "{\"hostname\":\"a\xc3\"}", "{\"hostname\":\"\xed\xa0\x80\"}",
	"{\"hostname\":\"\xf4\x90\x80\x80\"}", "{\"hostname\":\"\xe2\x82\xac\\n\xff\"}", "{\"h\xffostname\":\"x\"}",
	"{\"hostname\":\"\xc0\xaf\"}", "{\"x\":\"\xff\",\"hostname\":\"ok\"}",
	// Depth.
	`{"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
	`{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
	strings.Repeat(`{"x":`, 9999) + `1` + strings.Repeat("}", 9999),
	strings.Repeat(`{"x":`, 10000) + `1` + strings.Repeat("}", 10000),
	strings.Repeat(`{"x":`, 10001) + `1` + strings.Repeat("}", 10001),
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	// Process documents (UnmarshalProcess).
	`{"args":["sh"],"cwd":"/","user":{"uid":1,"gid":2},"env":["A=1"],"terminal":true,"capabilities":{"bounding":["CAP_KILL"]}}`,
	`{"ARGS":["a","b"],"args":["c"],"rlimits":[{"type":"RLIMIT_NOFILE","hard":1,"soft":1}],"rlimits":[{}]}`,
	`{"user":{"uid":-1}}`, `{"consoleSize":{"height":1,"width":2},"consoleSize":{"height":3}}`, `{"args":"sh"}`,
	// Repeated and null process members.
	`{"process":{"terminal":true},"process":{}}`, `{"process":{"terminal":true},"process":null}`,
	`{"process":{"terminal":true},"process":null,"process":{}}`, `{"process":{"args":1,"terminal":true}}`,
	`{"process":{"terminal":true},"linux":5}`,
}

// TestDecodeTricky compares both decoders on hand-written inputs for each
// rule.
func TestDecodeTricky(t *testing.T) {
	for _, in := range tricky {
		if d := differ([]byte(in)); d != "" {
			t.Errorf("%.200q: %s", in, d)
		}
	}
}

// configs are realistic and maximal configurations, marshalled.
func configs(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	add := func(name string, v any) {
		data, err := json.MarshalIndent(v, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		out[name] = data
	}
	add("default", Default())
	rootless := Default()
	ToRootless(rootless)
	add("rootless", rootless)
	if p := seccomp.DefaultProfile(); p != nil {
		s := Default()
		s.Linux.Seccomp = p
		add("default+seccomp", s)
	}
	var full specs.Spec
	fill(reflect.ValueOf(&full).Elem(), 1)
	add("every field", &full)
	add("every field: process", full.Process)
	add("default: process", Default().Process)
	entries, err := os.ReadDir("testdata")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			data, err := os.ReadFile("testdata/" + e.Name())
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = data
		}
	}
	return out
}

// fill sets every field reachable from v to a non-zero value (two
// elements per slice and map), n making values differ.
func fill(v reflect.Value, n int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d\u00e9\"\n", n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(-int64(n % 100))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(uint64(n % 200))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(n) + 0.5)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n+1)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		fill(v.Index(0), n+1)
		fill(v.Index(1), n+2)
	case reflect.Array:
		for i := range v.Len() {
			fill(v.Index(i), n+i)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for i := range 2 {
			k := reflect.New(v.Type().Key()).Elem()
			fill(k, n+i)
			e := reflect.New(v.Type().Elem()).Elem()
			fill(e, n+i)
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n+i)
			}
		}
	case reflect.Interface:
		v.Set(reflect.ValueOf(map[string]any{"k": []any{1.5, "x", nil, true}}))
	}
}

// TestDecodeConfigs compares both decoders on whole configurations, and on
// each of them cut short at every byte and with every byte replaced.
func TestDecodeConfigs(t *testing.T) {
	for name, data := range configs(t) {
		t.Run(name, func(t *testing.T) {
			if d := differ(data); d != "" {
				t.Fatal(d)
			}
			var got specs.Spec
			if err := UnmarshalLinux(data, &got); err != nil {
				t.Fatal(err)
			}
			if name == "every field" && (got.Linux.Resources.BlockIO.WeightDevice[0].Major == 0 || got.Windows != nil) {
				t.Fatalf("every field: embedded or omitted fields wrong: %+v", got)
			}
			if testing.Short() {
				return
			}
			step := max(1, len(data)/500)
			for i := 0; i < len(data); i += step {
				if d := differ(data[:i]); d != "" {
					t.Fatalf("cut at %d: %s", i, d)
				}
				mut := bytes.Clone(data)
				for _, c := range []byte{'"', '}', '1', 'n', '\\', 0xff} {
					mut[i] = c
					if d := differ(mut); d != "" {
						t.Fatalf("byte %d set to %q: %s", i, c, d)
					}
				}
			}
		})
	}
}

// FuzzUnmarshalLinux compares the generated decoder with encoding/json.
func FuzzUnmarshalLinux(f *testing.F) {
	for _, in := range tricky {
		if len(in) < 1000 { // not the depth ones: too slow to mutate
			f.Add([]byte(in))
		}
	}
	for _, data := range configs(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if d := differ(data); d != "" {
			t.Fatalf("%q: %s", data, d)
		}
	})
}

// TestGeneratedUpToDate: decode_gen.go is what the generator writes now
// (run go generate ./libservin/spec after changing it or runtime-spec).
func TestGeneratedUpToDate(t *testing.T) {
	want, err := decodegen.Generate(decodegen.LinuxSpec())
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("decode_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Fatal("decode_gen.go is stale: run go generate ./libservin/spec")
	}
}

// TestDecodeFolded: keys match field names case-insensitively, with
// Unicode folding (the Kelvin sign is a k, the long s an s), as in
// encoding/json.
func TestDecodeFolded(t *testing.T) {
	in := `{"LINUX":{"resources":{"memory":{"\u212aernel":5}}},"pro\u0063e\u017f\u017f":{"TeRmInAl":true}}`
	var s specs.Spec
	if err := UnmarshalLinux([]byte(in), &s); err != nil {
		t.Fatal(err)
	}
	if s.Linux == nil || *s.Linux.Resources.Memory.Kernel != 5 || !s.Process.Terminal {
		t.Fatalf("folded keys not matched: %+v", s)
	}
	if d := differ([]byte(in)); d != "" {
		t.Fatal(d)
	}
}

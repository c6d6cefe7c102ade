package runtime

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/spec"
)

// TestRecordEncode: the hand-written state.json (spec text at hand) holds
// exactly what encoding/json would write, for awkward strings too.
func TestRecordEncode(t *testing.T) {
	s := spec.Default()
	s.Hostname = "h\u2028<&>"
	specJSON, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	odd := "q\"b\\s\n\r\t\x01\x1f\x7f é \xff\xfe \u2029 </script>"
	tests := []record{
		{ID: "c1", Bundle: "/b", Rootfs: "/b/rootfs", Pid: 42, StartTime: 123456789, Created: time.Date(2026, 11, 29, 1, 2, 3, 456789, time.FixedZone("x", 3600)), Owner: "root"},
		{ID: "c2", Bundle: odd, Rootfs: odd, Pid: -1, Owner: odd, Annotations: map[string]string{"b": odd, "a": "1", odd: ""},
			NoMountNS: true, CgroupPaths: map[string]string{"memory": "/sys/fs/cgroup/memory/x", "cpu": odd}},
		{ID: "c3", Annotations: map[string]string{}, CgroupPaths: map[string]string{}},
	}
	for _, rec := range tests {
		rec.Spec = s
		want, err := json.Marshal(&rec)
		if err != nil {
			t.Fatal(err)
		}
		rec.specJSON = specJSON
		got, err := rec.encode()
		if err != nil {
			t.Fatal(err)
		}
		var gotV, wantV any
		if err := json.Unmarshal(got, &gotV); err != nil {
			t.Fatalf("%s: hand-written state is not JSON: %v\n%s", rec.ID, err, got)
		}
		if err := json.Unmarshal(want, &wantV); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gotV, wantV) {
			t.Errorf("%s: state\n%s\nwant (encoding/json)\n%s", rec.ID, got, want)
		}
		var back record
		if err := back.decode(got); err != nil {
			t.Fatal(err)
		}
		if back.ID != rec.ID || back.Owner != rec.Owner && rec.Owner != odd || !back.Created.Equal(rec.Created) || !reflect.DeepEqual(back.Spec, s) {
			t.Errorf("%s: decoded back to %+v", rec.ID, back)
		}
	}
}

// TestRecordDecode: state.json written by encoding/json or by encode
// decodes to the same record; a cut-off file is a syntax error (load
// retries those), a wrong type is not.
func TestRecordDecode(t *testing.T) {
	s := spec.Default()
	s.Hostname = "h"
	rec := record{ID: "c1", Bundle: "/b\u00e9\"", Rootfs: "/b/rootfs", Pid: 42, StartTime: 1 << 40,
		Created: time.Date(2026, 11, 29, 1, 2, 3, 456789, time.UTC), Owner: "root",
		Annotations: map[string]string{"a": "b"}, Spec: s, NoMountNS: true, CgroupPaths: map[string]string{"pids": "/x"}}
	byJSON, err := json.Marshal(&rec)
	if err != nil {
		t.Fatal(err)
	}
	rec.specJSON, _ = json.Marshal(s)
	byHand, err := rec.encode()
	if err != nil {
		t.Fatal(err)
	}
	withUnknown := append([]byte(`{"future":{"x":[1,2,{"y":null}]},`), byHand[1:]...)
	for name, data := range map[string][]byte{"encoding/json": byJSON, "encode": byHand, "unknown member": withUnknown} {
		var got record
		if err := got.decode(data); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got.Spec, s) || len(got.specJSON) == 0 {
			t.Errorf("%s: spec decoded to %+v (text %d bytes)", name, got.Spec, len(got.specJSON))
		}
		var again specs.Spec
		if err := spec.UnmarshalLinux(got.specJSON, &again); err != nil || !reflect.DeepEqual(&again, s) {
			t.Errorf("%s: kept spec text does not decode back: %v", name, err)
		}
		got.Spec, got.specJSON = rec.Spec, rec.specJSON
		if !got.Created.Equal(rec.Created) {
			t.Errorf("%s: created %v, want %v", name, got.Created, rec.Created)
		}
		got.Created = rec.Created
		if !reflect.DeepEqual(got, rec) {
			t.Errorf("%s: decoded\n%+v\nwant\n%+v", name, got, rec)
		}
	}

	var r record
	err = r.decode(byHand[:len(byHand)/2])
	if err == nil || !spec.IsSyntaxError(err) {
		t.Errorf("half a state file: %v, want a syntax error", err)
	}
	for _, bad := range []string{`{"pid":"x"}`, `{"created":"yesterday"}`, `null`, `{"spec":[]}`} {
		err := r.decode([]byte(bad))
		if err == nil || spec.IsSyntaxError(err) {
			t.Errorf("%s: %v, want a non-syntax error", bad, err)
		}
	}
}

package runtime

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

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
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		if back.ID != rec.ID || back.Owner != rec.Owner && rec.Owner != odd || !back.Created.Equal(rec.Created) || !reflect.DeepEqual(back.Spec, s) {
			t.Errorf("%s: decoded back to %+v", rec.ID, back)
		}
	}
}

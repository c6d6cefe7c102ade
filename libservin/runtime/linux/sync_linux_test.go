package linux

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestReplyWire: a Reply is the same JSON as the Message with the same
// type and error (the Go init reads Messages, the C fast init compares
// the start message byte for byte).
func TestReplyWire(t *testing.T) {
	for _, tc := range []struct{ typ, err string }{{MsgStart, ""}, {MsgHooksDone, ""}, {MsgError, `bad "x"`}, {MsgReady, ""}} {
		r, err := json.Marshal(Reply{Type: tc.typ, Error: tc.err})
		if err != nil {
			t.Fatal(err)
		}
		m, err := json.Marshal(Message{Type: tc.typ, Error: tc.err})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r, m) {
			t.Fatalf("Reply %s, Message %s", r, m)
		}
	}
	if r, _ := json.Marshal(Reply{Type: MsgStart}); string(r) != `{"type":"start"}` {
		t.Fatalf("start message %s: the fast init expects {\"type\":\"start\"}", r)
	}
	var buf bytes.Buffer
	if err := SendReply(&buf, Reply{Type: MsgError, Error: "e"}); err != nil {
		t.Fatal(err)
	}
	got, err := ReceiveReply(&buf)
	if err != nil || got.Type != MsgError || got.Error != "e" {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if _, err := ReceiveReply(&buf); err == nil {
		t.Fatal("reply from an empty stream")
	}
}

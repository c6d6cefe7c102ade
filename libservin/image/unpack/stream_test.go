package unpack

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestAheadReader(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 3*aheadChunk/16*aheadChunks+7)
	tests := []struct {
		name string
		src  io.Reader
		err  error
	}{
		{name: "whole", src: bytes.NewReader(data)},
		{name: "one byte reads", src: iotest.OneByteReader(bytes.NewReader(data))},
		{name: "half reads", src: iotest.HalfReader(bytes.NewReader(data))},
		{name: "error at the end", src: io.MultiReader(bytes.NewReader(data), iotest.ErrReader(io.ErrUnexpectedEOF)), err: io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAheadReader(tc.src, func() {})
			defer a.Close()
			got, err := io.ReadAll(iotest.OneByteReader(io.LimitReader(a, 1000)))
			if err != nil || !bytes.Equal(got, data[:1000]) {
				t.Fatalf("first 1000 bytes: %v", err)
			}
			rest, err := io.ReadAll(a)
			if !errors.Is(err, tc.err) && !(tc.err == nil && err == nil) {
				t.Fatalf("error = %v, want %v", err, tc.err)
			}
			if tc.err == nil && !bytes.Equal(append(got, rest...), data) {
				t.Fatalf("read %d bytes, want %d", len(got)+len(rest), len(data))
			}
		})
	}
}

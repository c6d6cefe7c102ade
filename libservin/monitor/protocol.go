package monitor

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Frame kinds of the attach protocol. Every frame is kind (1 byte), length
// (4 bytes big endian) and payload.
const (
	FrameStdin      byte = 0 // client → monitor: bytes for the container's stdin
	FrameStdout     byte = 1 // monitor → client
	FrameStderr     byte = 2 // monitor → client
	FrameExit       byte = 3 // monitor → client: decimal exit code; last frame
	FrameStdinClose byte = 4 // client → monitor: close the container's stdin
	FrameResize     byte = 5 // client → monitor: terminal size, 2×uint16 (rows, cols)
	FrameStarted    byte = 6 // monitor → client: the container was started
)

const maxFrame = 1 << 20

// WriteFrame writes one frame.
func WriteFrame(w io.Writer, kind byte, payload []byte) error {
	var hdr [5]byte
	hdr[0] = kind
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(payload)))
	if _, err := w.Write(append(hdr[:], payload...)); err != nil {
		return err
	}
	return nil
}

// ReadFrame reads one frame.
func ReadFrame(r io.Reader) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > maxFrame {
		return 0, nil, fmt.Errorf("attach frame of %d bytes too large", n)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, err
	}
	return hdr[0], p, nil
}

// SocketPath is the attach socket of the container whose directory is
// dir: dir/attach.sock, or a name under the temporary directory derived
// from dir when that path is too long for a unix socket (108 bytes).
func SocketPath(dir string) string {
	p := filepath.Join(dir, "attach.sock")
	if len(p) < 100 {
		return p
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(os.TempDir(), "servin-attach-"+hex.EncodeToString(sum[:8])+".sock")
}

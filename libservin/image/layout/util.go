package layout

import (
	"bytes"
	"io"
	"os"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func statBlob(p string) (os.FileInfo, error) { return os.Stat(p) }

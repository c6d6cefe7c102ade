package runtime

import (
	"fmt"
	"io"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/spec"
)

// LoadProcess reads a runtime-spec process JSON (exec --process).
func LoadProcess(path string) (*specs.Process, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = readAllStdin()
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read process %s: %w", path, err)
	}
	var p specs.Process
	if err := spec.UnmarshalProcess(data, &p); err != nil {
		return nil, fmt.Errorf("parse process %s: %w", path, err)
	}
	return &p, nil
}

func readAllStdin() ([]byte, error) { return io.ReadAll(os.Stdin) }

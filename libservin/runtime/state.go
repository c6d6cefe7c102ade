package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/spec"
)

const (
	stateFile = "state.json"
	fifoName  = "exec.fifo"
)

// ValidateID checks a container ID as runc does: 1 to 1024 of
// [A-Za-z0-9_+.-], and neither "." nor "..".
func ValidateID(id string) error {
	if id == "" || id == "." || id == ".." || len(id) > 1024 || !idChars(id) {
		return fmt.Errorf("%w: %q", ErrInvalidID, id)
	}
	return nil
}

func idChars(id string) bool {
	for _, c := range []byte(id) {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '_' || c == '+' || c == '-' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// record is what state.json holds. The spec is kept so that start,
// delete and exec never re-read config.json from the bundle.
type record struct {
	ID          string            `json:"id"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Pid         int               `json:"pid"`
	StartTime   uint64            `json:"pidStartTime"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Spec        *specs.Spec       `json:"spec"`
	// NoMountNS: the container shares the runtime's mount namespace, so
	// delete must remove what create mounted under the rootfs.
	NoMountNS bool `json:"noMountNamespace,omitempty"`
	// CgroupPaths maps controllers to the container's cgroup directories.
	CgroupPaths map[string]string `json:"cgroupPaths,omitempty"`
	// specJSON, when set, is config.json's text, which decodes to Spec:
	// save writes it as is instead of encoding Spec (building encoders
	// for the spec's many types cost more than the rest of a save).
	// Whoever changes Spec clears it.
	specJSON []byte
	// startSent: run's create sent the start message with the fast-init
	// program already (startDirect must not send it again).
	startSent bool
}

// UnmarshalJSON decodes state.json, the spec without other platforms'
// sections (spec.UnmarshalLinux), keeping its text for later saves.
func (rec *record) UnmarshalJSON(data []byte) error {
	type plain record
	aux := struct {
		*plain
		Spec json.RawMessage `json:"spec"`
	}{plain: (*plain)(rec)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	rec.Spec, rec.specJSON = nil, nil
	if len(aux.Spec) > 0 && string(aux.Spec) != "null" {
		rec.Spec = new(specs.Spec)
		if err := spec.UnmarshalLinux(aux.Spec, rec.Spec); err != nil {
			return err
		}
		rec.specJSON = aux.Spec
	}
	return nil
}

func (r *Runtime) dir(id string) string { return filepath.Join(r.root, id) }

func (r *Runtime) load(id string) (*record, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	path := filepath.Join(r.dir(id), stateFile)
	for attempt := 0; ; attempt++ {
		data, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("container %s: %w", id, ErrNotExist)
			}
			return nil, fmt.Errorf("read state of %s: %w", id, err)
		}
		var rec record
		err = json.Unmarshal(data, &rec)
		if err == nil {
			return &rec, nil
		}
		// save rewrites the file in place: a read that met a write
		// half-way sees bad JSON for a moment.
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) && attempt < 20 {
			time.Sleep(500 * time.Microsecond)
			continue
		}
		return nil, fmt.Errorf("decode state of %s: %w: %w", id, ErrCorrupt, err)
	}
}

// save rewrites state.json in place with one write: no temporary file to
// create and rename (an inode allocation per save, the costliest part of
// it on a disk file system). Text shorter than the old one is padded with
// spaces, so the file never ends in stale bytes, even if this process is
// killed right after the write; a reader that meets the write half-way
// retries (load).
func (r *Runtime) save(rec *record) error {
	data, err := rec.encode()
	if err != nil {
		return err
	}
	path := filepath.Join(r.dir(rec.ID), stateFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("write state of %s: %w", rec.ID, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > int64(len(data)) {
		data = append(data, bytes.Repeat([]byte{' '}, int(fi.Size())-len(data))...)
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		return fmt.Errorf("write state of %s: %w", rec.ID, err)
	}
	return nil
}

// saveFirst writes the first state.json of a container being created:
// a new file, no temporary one to rename (one inode fewer per container).
func (r *Runtime) saveFirst(rec *record) error {
	data, err := rec.encode()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(r.dir(rec.ID), stateFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write state of %s: %w", rec.ID, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write state of %s: %w", rec.ID, err)
	}
	return nil
}

// encode renders rec as state.json holds it.
func (rec *record) encode() ([]byte, error) {
	var data []byte
	var err error
	if rec.specJSON != nil {
		// The outer Spec hides the embedded record's.
		type plain record
		data, err = json.Marshal(struct {
			*plain
			Spec json.RawMessage `json:"spec"`
		}{(*plain)(rec), rec.specJSON})
	} else {
		data, err = json.Marshal(rec)
	}
	return data, err
}

// loadSpecTerminal reports process.terminal of a bundle's config.
func loadSpecTerminal(bundle string) (bool, error) {
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return false, err
	}
	var s struct {
		Process *struct {
			Terminal bool `json:"terminal"`
		} `json:"process"`
	}
	if err := json.Unmarshal(data, &s); err != nil || s.Process == nil {
		return false, err
	}
	return s.Process.Terminal, nil
}

package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

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

// decode reads state.json as encode writes it, without encoding/json's
// reflection (spec.DecodeFields): the spec as spec.UnmarshalLinux decodes
// it, its text kept for later saves. Unknown members are skipped.
func (rec *record) decode(data []byte) error {
	var r record
	err := spec.DecodeFields(data, func(key string, v spec.Value) error {
		switch key {
		case "id":
			return v.String(&r.ID)
		case "bundle":
			return v.String(&r.Bundle)
		case "rootfs":
			return v.String(&r.Rootfs)
		case "pid":
			return v.Int(&r.Pid)
		case "pidStartTime":
			return v.Uint64(&r.StartTime)
		case "created":
			return v.Text(&r.Created)
		case "owner":
			return v.String(&r.Owner)
		case "annotations":
			return v.StringMap(&r.Annotations)
		case "spec":
			var err error
			r.specJSON, err = v.Spec(&r.Spec)
			return err
		case "noMountNamespace":
			return v.Bool(&r.NoMountNS)
		case "cgroupPaths":
			return v.StringMap(&r.CgroupPaths)
		}
		return v.Skip()
	})
	if err != nil {
		return err
	}
	*rec = r
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
		err = rec.decode(data)
		if err == nil {
			return &rec, nil
		}
		// save rewrites the file in place: a read that met a write
		// half-way sees bad JSON for a moment.
		if spec.IsSyntaxError(err) && attempt < 20 {
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

// encode renders rec as state.json holds it. With the spec's text at hand
// it is written by hand: encoding/json's first use of a type (the
// reflection behind its encoders) cost more than the rest of a save, and
// a servin-run process saves once or twice.
func (rec *record) encode() ([]byte, error) {
	if rec.specJSON == nil {
		return json.Marshal(rec)
	}
	b := make([]byte, 0, len(rec.specJSON)+len(rec.Bundle)+len(rec.Rootfs)+256)
	b = append(b, `{"id":`...)
	b = appendJSONString(b, rec.ID)
	b = append(b, `,"bundle":`...)
	b = appendJSONString(b, rec.Bundle)
	b = append(b, `,"rootfs":`...)
	b = appendJSONString(b, rec.Rootfs)
	b = append(b, `,"pid":`...)
	b = strconv.AppendInt(b, int64(rec.Pid), 10)
	b = append(b, `,"pidStartTime":`...)
	b = strconv.AppendUint(b, rec.StartTime, 10)
	created, err := rec.Created.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b = append(b, `,"created":`...)
	b = append(b, created...)
	b = append(b, `,"owner":`...)
	b = appendJSONString(b, rec.Owner)
	if len(rec.Annotations) > 0 {
		b = append(b, `,"annotations":`...)
		b = appendJSONMap(b, rec.Annotations)
	}
	b = append(b, `,"spec":`...)
	b = append(b, rec.specJSON...)
	if rec.NoMountNS {
		b = append(b, `,"noMountNamespace":true`...)
	}
	if len(rec.CgroupPaths) > 0 {
		b = append(b, `,"cgroupPaths":`...)
		b = appendJSONMap(b, rec.CgroupPaths)
	}
	return append(b, '}'), nil
}

// appendJSONMap appends m as a JSON object, keys sorted (as encoding/json).
func appendJSONMap(b []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD, as with encoding/json.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

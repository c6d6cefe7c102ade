package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/servin/servin/libservin/spec/internal/jsonfold"
)

//go:generate go run ./internal/gendecode -o decode_gen.go

// UnmarshalLinux decodes a config.json into s, leaving out the sections of
// other platforms (windows, solaris, vm, zos, freebsd), which a Linux
// runtime ignores: their keys are skipped as unknown ones.
//
// It decodes exactly as encoding/json.Unmarshal would into specs.Spec
// without those fields (decode_test.go proves it against encoding/json),
// but with code generated from the types (decode_gen.go, jsondec.go):
// encoding/json builds its decoder for every type a struct reaches the
// first time a process decodes one, which for specs.Spec was ~7.5% of a
// servin-run process's CPU. On error s is left as it was.
func UnmarshalLinux(data []byte, s *specs.Spec) error {
	var l specs.Spec
	if err := top(data, &l, decodeSpec); err != nil {
		return err
	}
	*s = l
	return nil
}

// UnmarshalProcess decodes a process.json (`exec --process`) into p,
// exactly as encoding/json.Unmarshal would into a zero specs.Process but
// without its per-process set-up (see UnmarshalLinux). On error p is left
// as it was.
func UnmarshalProcess(data []byte, p *specs.Process) error {
	var l specs.Process
	if err := top(data, &l, decodeProcess); err != nil {
		return err
	}
	*p = l
	return nil
}

// DecodeTerminal reports process.terminal of a config.json, as decoding it
// with encoding/json into struct{ Process *struct{ Terminal bool } } would:
// the whole text must be valid JSON, only process and process.terminal
// are type-checked, and a missing process or terminal is false.
func DecodeTerminal(data []byte) (bool, error) {
	var terminal bool
	if err := top(data, &terminal, decodeTerminalConfig); err != nil {
		return false, err
	}
	return terminal, nil
}

// decodeTerminalConfig decodes the top-level object for DecodeTerminal.
func decodeTerminalConfig(d *decoder, terminal *bool) error {
	return decodeOneField(d, "process", func(d *decoder) error {
		if null, err := d.null(); null || err != nil {
			*terminal = false // a null process is nil: no terminal
			return err
		}
		return decodeOneField(d, "terminal", func(d *decoder) error {
			return decodeBool(d, terminal)
		})
	})
}

// decodeOneField decodes an object of which only the field name (matched
// as encoding/json matches field names) is decoded, by dec; other members
// are skipped. The object being null is left to dec's caller.
func decodeOneField(d *decoder, name string, dec func(*decoder) error) error {
	ok, err := d.object("struct")
	if !ok {
		return err
	}
	folded := string(jsonfold.Append(nil, []byte(name)))
	for n := 0; ; n++ {
		key, ok, err := d.key(n)
		if !ok {
			return err
		}
		if string(key) == name || string(d.foldKey(key)) == folded {
			err = inField(dec(d), name)
		} else {
			err = d.skip()
		}
		if err != nil {
			return err
		}
	}
}

package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
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

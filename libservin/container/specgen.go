package container

import (
	"errors"
	"fmt"
	"github.com/servin/servin/libservin/seccomp"
	"os"
	"strings"

	"github.com/moby/sys/capability"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/servin/servin/libservin/spec"
)

// DefaultCapabilities is docker's default capability set.
var DefaultCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// SpecVersion is the ociVersion of generated configs.
const SpecVersion = "1.0.2-dev"

// Network modes supported until servin has bridges.
const (
	NetworkNone = "none"
	NetworkHost = "host"
)

// SpecOptions are the run flags that shape config.json beyond the process.
type SpecOptions struct {
	Hostname    string
	NetworkMode string // none (default: a new, empty network namespace) or host
	ReadOnly    bool
	CapAdd      []string
	CapDrop     []string
	Privileged  bool
	// NoNewPrivileges: --security-opt no-new-privileges.
	NoNewPrivileges bool
	// SeccompProfile is a profile in Docker's JSON format or an OCI
	// linux.seccomp object (--security-opt seccomp=FILE); nil: the default
	// profile, unless SeccompUnconfined.
	SeccompProfile    []byte
	SeccompUnconfined bool
	Memory            int64   // bytes, 0: unlimited
	CPUs              float64 // 0: unlimited
	PidsLimit         int64   // 0: unlimited
	// Mounts are appended after the default ones (volumes, binds, tmpfs,
	// /etc/hosts and friends).
	Mounts      []specs.Mount
	Annotations map[string]string
	CgroupsPath string
}

// GenerateSpec builds the container's config.json from its process (see
// ProcessFromImage) and the options. Root path is "rootfs".
func GenerateSpec(proc *specs.Process, o SpecOptions) (*specs.Spec, error) {
	s := spec.Default()
	// The fields used here all exist in 1.0.2; older runtimes (crun 1.8)
	// reject newer versions, so claim the oldest that fits, as docker does.
	s.Version = SpecVersion
	s.Root.Readonly = o.ReadOnly
	rl := s.Process.Rlimits
	s.Process = proc
	s.Process.Rlimits = rl
	s.Process.NoNewPrivileges = o.NoNewPrivileges
	s.Hostname = o.Hostname
	s.Annotations = o.Annotations
	s.Linux.CgroupsPath = o.CgroupsPath
	caps, err := capabilities(o)
	if err != nil {
		return nil, err
	}
	s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
	switch o.NetworkMode {
	case "", NetworkNone:
	case NetworkHost:
		s.Linux.Namespaces = withoutNamespace(s.Linux.Namespaces, specs.NetworkNamespace)
		s.Linux.Namespaces = withoutNamespace(s.Linux.Namespaces, specs.UTSNamespace)
		s.Hostname = ""
	default:
		return nil, fmt.Errorf("network %q: only none and host are supported until servin has bridge networks", o.NetworkMode)
	}
	if o.Privileged {
		s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = nil, nil
		s.Linux.Resources.Devices = []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}
		s.Linux.Devices = hostDevices()
		for i, m := range s.Mounts {
			if m.Destination == "/sys" {
				s.Mounts[i].Options = withoutOption(m.Options, "ro")
			}
		}
	} else if !o.SeccompUnconfined {
		if s.Linux.Seccomp, err = seccompProfile(o.SeccompProfile, caps); err != nil {
			return nil, err
		}
	}
	s.Mounts = append(s.Mounts, o.Mounts...)
	setResources(s.Linux.Resources, o)
	return s, nil
}

func setResources(r *specs.LinuxResources, o SpecOptions) {
	if o.Memory > 0 {
		m := o.Memory
		r.Memory = &specs.LinuxMemory{Limit: &m}
	}
	if o.CPUs > 0 {
		period := uint64(100000)
		quota := int64(o.CPUs * float64(period))
		r.CPU = &specs.LinuxCPU{Period: &period, Quota: &quota}
	}
	if o.PidsLimit > 0 {
		r.Pids = &specs.LinuxPids{Limit: &o.PidsLimit}
	}
}

// capabilities applies --privileged, --cap-add and --cap-drop ("ALL"
// accepted) to docker's default set.
func capabilities(o SpecOptions) ([]string, error) {
	all := allCapabilities()
	if o.Privileged {
		return all, nil
	}
	set := map[string]bool{}
	for _, c := range DefaultCapabilities {
		set[c] = true
	}
	norm := func(c string) (string, error) {
		c = strings.ToUpper(c)
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		for _, k := range all {
			if k == c {
				return c, nil
			}
		}
		return "", fmt.Errorf("unknown capability %q", c)
	}
	for _, c := range o.CapDrop {
		if strings.EqualFold(c, "ALL") {
			clear(set)
			continue
		}
		n, err := norm(c)
		if err != nil {
			return nil, err
		}
		delete(set, n)
	}
	for _, c := range o.CapAdd {
		if strings.EqualFold(c, "ALL") {
			for _, k := range all {
				set[k] = true
			}
			continue
		}
		n, err := norm(c)
		if err != nil {
			return nil, err
		}
		set[n] = true
	}
	var out []string
	for _, k := range all {
		if set[k] {
			out = append(out, k)
		}
	}
	return out, nil
}

// allCapabilities lists the capabilities this kernel knows (last_cap)
// that servin's own bounding set holds: a capability servin lacks cannot
// be given to a container (the runtime's capset would fail with EPERM).
func allCapabilities() []string {
	last, err := capability.LastCap()
	self, serr := capability.NewPid2(0)
	if serr == nil {
		serr = self.Load()
	}
	var out []string
	for _, c := range capability.ListKnown() {
		if err == nil && c > last || serr == nil && !self.Get(capability.BOUNDING, c) {
			continue
		}
		out = append(out, "CAP_"+strings.ToUpper(c.String()))
	}
	return out
}

func withoutNamespace(ns []specs.LinuxNamespace, t specs.LinuxNamespaceType) []specs.LinuxNamespace {
	var out []specs.LinuxNamespace
	for _, n := range ns {
		if n.Type != t {
			out = append(out, n)
		}
	}
	return out
}

func withoutOption(opts []string, o string) []string {
	var out []string
	for _, x := range opts {
		if x != o {
			out = append(out, x)
		}
	}
	return out
}

// HostFiles writes /etc/hostname, /etc/hosts and /etc/resolv.conf for the
// container into dir and returns the bind mounts for them. extraHosts are
// "name:ip" (--add-host).
func HostFiles(dir, hostname, networkMode string, extraHosts []string) ([]specs.Mount, error) {
	hosts := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
	if hostname != "" {
		hosts += "127.0.1.1\t" + hostname + "\n"
	}
	for _, h := range extraHosts {
		name, ip, ok := strings.Cut(h, ":")
		if !ok || name == "" || ip == "" {
			return nil, fmt.Errorf("invalid --add-host %q: want name:ip", h)
		}
		hosts += ip + "\t" + name + "\n"
	}
	resolv := "# no network: servin has no DNS for network none\n"
	if networkMode == NetworkHost {
		if data, err := os.ReadFile("/etc/resolv.conf"); err == nil {
			resolv = string(data)
		}
	}
	files := []struct{ name, content string }{
		{"hostname", hostname + "\n"}, {"hosts", hosts}, {"resolv.conf", resolv},
	}
	var mounts []specs.Mount
	for _, f := range files {
		p := dir + "/" + f.name
		if err := os.WriteFile(p, []byte(f.content), 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", p, err)
		}
		if f.name == "hostname" && networkMode == NetworkHost {
			continue
		}
		mounts = append(mounts, specs.Mount{Destination: "/etc/" + f.name, Type: "bind", Source: p, Options: []string{"rbind", "rprivate"}})
	}
	return mounts, nil
}

// seccompProfile resolves the container's seccomp filter for its bounding
// capabilities, as docker does: the given profile, else the default one.
// Off Linux there is no filter to build.
func seccompProfile(data []byte, caps []string) (*specs.LinuxSeccomp, error) {
	var prof *specs.LinuxSeccomp
	var err error
	if data != nil {
		prof, err = seccomp.ParseProfile(data, caps)
	} else {
		prof, err = seccomp.DefaultProfileFor(caps)
	}
	if errors.Is(err, errors.ErrUnsupported) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("seccomp profile: %w", err)
	}
	return prof, nil
}

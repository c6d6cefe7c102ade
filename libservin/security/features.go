package security

import (
	"bufio"
	"os"
	"runtime"
	"strings"
)

// Feature is one detected capability of the host.
type Feature struct {
	Name      string `json:"name"`
	Available bool   `json:"available"`
	Detail    string `json:"detail"`
}

// Check detects the host's security features (Linux: /proc and /sys).
func Check() []Feature {
	if runtime.GOOS != "linux" {
		return []Feature{{Name: "namespaces", Available: false, Detail: "containers need Linux; " + runtime.GOOS + " runs the development simulation only"}}
	}
	return []Feature{
		userNamespaces(),
		fileFeature("pid, mount, uts, ipc, network namespaces", "/proc/self/ns/pid", "/proc/self/ns"),
		cgroups(),
		seccomp(),
		noNewPrivs(),
		fsFeature("overlay"),
		{Name: "rootless", Available: os.Geteuid() != 0, Detail: map[bool]string{true: "running without root", false: "running as root (rootful)"}[os.Geteuid() != 0]},
	}
}

func userNamespaces() Feature {
	f := Feature{Name: "user namespaces"}
	data, err := os.ReadFile("/proc/sys/user/max_user_namespaces")
	if err != nil {
		f.Detail = "no /proc/sys/user/max_user_namespaces"
		return f
	}
	v := strings.TrimSpace(string(data))
	f.Available = v != "0"
	f.Detail = "max_user_namespaces=" + v
	if data, err := os.ReadFile("/proc/sys/kernel/unprivileged_userns_clone"); err == nil {
		f.Detail += ", unprivileged_userns_clone=" + strings.TrimSpace(string(data))
	}
	return f
}

func fileFeature(name, path, detail string) Feature {
	_, err := os.Stat(path)
	return Feature{Name: name, Available: err == nil, Detail: detail}
}

func cgroups() Feature {
	f := Feature{Name: "cgroups", Available: true}
	switch {
	case exists("/sys/fs/cgroup/cgroup.controllers"):
		f.Detail = "v2 (unified)"
	case exists("/sys/fs/cgroup/unified/cgroup.controllers"):
		f.Detail = "v1 hybrid (cgroup2 at /sys/fs/cgroup/unified)"
	case exists("/sys/fs/cgroup/memory"):
		f.Detail = "v1"
	default:
		f.Available, f.Detail = false, "no cgroup filesystem found"
	}
	return f
}

func seccomp() Feature {
	v := statusField("Seccomp:")
	f := Feature{Name: "seccomp", Available: v != "", Detail: "kernel supports seccomp filters"}
	if v == "" {
		f.Detail = "no Seccomp field in /proc/self/status"
	}
	return f
}

func noNewPrivs() Feature {
	v := statusField("NoNewPrivs:")
	return Feature{Name: "no-new-privileges", Available: v != "", Detail: "prctl(PR_SET_NO_NEW_PRIVS); servin itself: " + v}
}

func fsFeature(fs string) Feature {
	f := Feature{Name: fs + " filesystem", Detail: "not in /proc/filesystems"}
	file, err := os.Open("/proc/filesystems")
	if err != nil {
		return f
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 0 && fields[len(fields)-1] == fs {
			f.Available, f.Detail = true, "in /proc/filesystems"
		}
	}
	return f
}

func statusField(key string) string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// runOptions are the flags of run and create.
type runOptions struct {
	name        string
	detach      bool
	rm          bool
	interactive bool
	tty         bool
	env         []string
	envFiles    []string
	workdir     string
	user        string
	entrypoint  string
	volumes     []string
	mounts      []string
	tmpfs       []string
	publish     []string
	network     string
	hostname    string
	addHosts    []string
	memory      string
	cpus        float64
	pidsLimit   int64
	readOnly    bool
	capAdd      []string
	capDrop     []string
	privileged  bool
	securityOpt []string
	restart     string
	init        bool
	labels      []string
	pull        string
	logOpts     []string
	platform    string
	// entrypointGiven: --entrypoint was on the command line (even empty).
	entrypointGiven bool
}

func addRunFlags(f *pflag.FlagSet, o *runOptions) {
	f.SetInterspersed(false) // flags after IMAGE belong to the command
	f.StringVar(&o.name, "name", "", "assign a name to the container")
	f.BoolVar(&o.rm, "rm", false, "remove the container when it exits")
	f.BoolVarP(&o.interactive, "interactive", "i", false, "keep STDIN open")
	f.BoolVarP(&o.tty, "tty", "t", false, "allocate a pseudo-TTY")
	f.StringArrayVarP(&o.env, "env", "e", nil, "set environment variables (KEY=VALUE, or KEY to take the host's)")
	f.StringArrayVar(&o.envFiles, "env-file", nil, "read environment variables from a file")
	f.StringVarP(&o.workdir, "workdir", "w", "", "working directory inside the container")
	f.StringVarP(&o.user, "user", "u", "", "user: name|uid[:group|gid]")
	f.StringVar(&o.entrypoint, "entrypoint", "", "overwrite the image's ENTRYPOINT")
	f.StringArrayVarP(&o.volumes, "volume", "v", nil, "bind mount or volume: [SRC:]DST[:ro]")
	f.StringArrayVar(&o.mounts, "mount", nil, "mount: type=bind|volume|tmpfs,source=...,target=...[,readonly]")
	f.StringArrayVar(&o.tmpfs, "tmpfs", nil, "mount a tmpfs: DST[:OPTS]")
	f.StringArrayVarP(&o.publish, "publish", "p", nil, "publish a port (needs bridge networking: not supported yet)")
	f.StringVar(&o.network, "network", "none", "network: none (a new empty network namespace) or host")
	f.StringVar(&o.hostname, "hostname", "", "container host name")
	f.StringArrayVar(&o.addHosts, "add-host", nil, "add a custom host-to-IP mapping (host:ip)")
	f.StringVarP(&o.memory, "memory", "m", "", "memory limit (e.g. 64m, 1g)")
	f.Float64Var(&o.cpus, "cpus", 0, "number of CPUs")
	f.Int64Var(&o.pidsLimit, "pids-limit", 0, "limit the number of processes")
	f.BoolVar(&o.readOnly, "read-only", false, "mount the root filesystem read-only")
	f.StringArrayVar(&o.capAdd, "cap-add", nil, "add Linux capabilities")
	f.StringArrayVar(&o.capDrop, "cap-drop", nil, "drop Linux capabilities")
	f.BoolVar(&o.privileged, "privileged", false, "give extended privileges (all capabilities, no masked paths, no seccomp)")
	f.StringArrayVar(&o.securityOpt, "security-opt", nil, "no-new-privileges, seccomp=FILE or seccomp=unconfined")
	f.StringVar(&o.restart, "restart", "no", "restart policy: no, on-failure[:N], always")
	f.BoolVar(&o.init, "init", false, "run an init inside the container that forwards signals and reaps processes")
	f.StringArrayVarP(&o.labels, "label", "l", nil, "set metadata (KEY=VALUE)")
	f.StringVar(&o.pull, "pull", "missing", "pull the image: missing, always or never")
	f.StringArrayVar(&o.logOpts, "log-opt", nil, "log options: max-size=SIZE, max-file=N")
	f.StringVar(&o.platform, "platform", "", "image platform (os/arch[/variant])")
}

// parseSize parses docker sizes: 100, 10k, 64m, 1g (binary units).
func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSuffix(t, "b")
	mult := int64(1)
	switch {
	case strings.HasSuffix(t, "k"):
		mult, t = 1<<10, t[:len(t)-1]
	case strings.HasSuffix(t, "m"):
		mult, t = 1<<20, t[:len(t)-1]
	case strings.HasSuffix(t, "g"):
		mult, t = 1<<30, t[:len(t)-1]
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return int64(f * float64(mult)), nil
}

// parseLabels turns KEY=VALUE strings into a map.
func parseLabels(list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, l := range list {
		k, v, _ := strings.Cut(l, "=")
		if k == "" {
			return nil, fmt.Errorf("invalid label %q", l)
		}
		out[k] = v
	}
	return out, nil
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/servin/servin/libservin/container"
	"github.com/servin/servin/libservin/image/layout"
	"github.com/servin/servin/libservin/image/name"
	"github.com/servin/servin/libservin/image/transport"
	"github.com/servin/servin/libservin/security"
	"github.com/servin/servin/libservin/store"
	"github.com/servin/servin/libservin/volume"
)

// resolveImage finds ref in the store, pulling it per --pull.
func (a *app) resolveImage(ctx context.Context, s *layout.Store, ref, pull, platform string) (v1.Image, ocispec.Descriptor, error) {
	p := layout.DefaultPlatform()
	if platform != "" {
		var err error
		if p, err = layout.ParsePlatform(platform); err != nil {
			return nil, ocispec.Descriptor{}, err
		}
	}
	switch pull {
	case "missing", "never", "always":
	default:
		return nil, ocispec.Descriptor{}, fmt.Errorf("invalid --pull %q: want missing, always or never", pull)
	}
	if pull != "always" {
		img, desc, err := s.ImageForPlatform(ctx, ref, p)
		if err == nil || pull == "never" || !errors.Is(err, layout.ErrNotExist) {
			if err != nil {
				return nil, ocispec.Descriptor{}, fmt.Errorf("image %s: %w", ref, err)
			}
			return img, desc, nil
		}
	}
	full, err := name.Normalize(ref)
	if err != nil {
		return nil, ocispec.Descriptor{}, fmt.Errorf("image %s: %w", ref, err)
	}
	a.log.Info("pulling image", "image", full)
	fmt.Fprintf(os.Stderr, "Unable to find image '%s' locally, pulling\n", ref)
	if _, err := transport.Pull(ctx, s, full, transport.WithPlatform(p)); err != nil {
		return nil, ocispec.Descriptor{}, fmt.Errorf("pull %s: %w", ref, err)
	}
	img, desc, err := s.ImageForPlatform(ctx, full, p)
	if err != nil {
		return nil, ocispec.Descriptor{}, fmt.Errorf("image %s: %w", ref, err)
	}
	return img, desc, nil
}

// createContainer makes a container from the flags: record, rootfs,
// volumes, config.json. On failure nothing is left behind.
func (a *app) createContainer(ctx context.Context, o *runOptions, ref string, cmdArgs []string) (_ *container.Container, err error) {
	if len(o.publish) > 0 {
		return nil, errors.New("-p/--publish needs bridge networking, which servin does not have yet; use --network host")
	}
	if o.network != container.NetworkNone && o.network != container.NetworkHost {
		return nil, fmt.Errorf("--network %q: only none and host are supported until servin has bridge networks", o.network)
	}
	restart, err := parseRestart(o.restart)
	if err != nil {
		return nil, err
	}
	if restart.Name != "no" && o.rm {
		return nil, errors.New("conflicting options: --restart and --rm")
	}
	hc, err := hostConfig(o, restart)
	if err != nil {
		return nil, err
	}
	labels, err := parseLabels(o.labels)
	if err != nil {
		return nil, err
	}
	rt, err := a.newRuntime()
	if err != nil {
		return nil, err
	}
	images, err := a.images()
	if err != nil {
		return nil, err
	}
	img, desc, err := a.resolveImage(ctx, images, ref, o.pull, o.platform)
	if err != nil {
		return nil, err
	}
	cfgFile, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image %s: config: %w", ref, err)
	}
	cs, err := a.containers()
	if err != nil {
		return nil, err
	}
	imageName := ref
	if n, err := name.Normalize(ref); err == nil {
		imageName = n
	}
	cfgDigest, _ := img.ConfigName()
	c := &container.Container{
		Name: o.name, Created: time.Now().UTC(), Image: desc.Digest, ImageName: imageName,
		ImageID: digestOf(cfgDigest), Runtime: rt.Path, RuntimeRoot: rt.Root, Labels: labels,
		HostConfig: hc, State: container.State{Status: container.StatusCreated},
	}
	c.ID = container.NewID()
	c.Bundle = cs.Dir(c.ID)
	c.LogPath = filepath.Join(a.rootDir(), store.LogsDir, c.ID, "container.log")
	if err := cs.Create(ctx, c); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = a.rootfs().Remove(context.Background(), c.Bundle)
			_ = cs.Remove(c.ID)
		}
	}()
	if c.Rootfs, err = a.rootfs().Prepare(ctx, img, c.Bundle); err != nil {
		return nil, err
	}
	s, err := a.buildSpec(c, o, cfgFile.Config, cmdArgs)
	if err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := store.WriteFile(filepath.Join(c.Bundle, "config.json"), data, 0o600); err != nil {
		return nil, err
	}
	c.Path, c.Args = s.Process.Args[0], s.Process.Args[1:]
	return cs.Update(ctx, c.ID, func(rec *container.Container) error {
		rec.Rootfs, rec.Path, rec.Args, rec.Mounts = c.Rootfs, c.Path, c.Args, c.Mounts
		return nil
	})
}

func digestOf(h v1.Hash) digest.Digest { return digest.Digest(h.String()) }

// securePath resolves p inside root.
func securePath(root, p string) (string, error) { return securejoin.SecureJoin(root, p) }

// buildSpec generates config.json for c.
func (a *app) buildSpec(c *container.Container, o *runOptions, ic v1.Config, cmdArgs []string) (*specs.Spec, error) {
	env, err := collectEnv(o.env, o.envFiles)
	if err != nil {
		return nil, err
	}
	hostname := o.hostname
	if hostname == "" {
		hostname = c.ShortID()
	}
	if o.network == container.NetworkHost && o.hostname == "" {
		hostname, _ = os.Hostname()
	}
	po := container.ProcessOptions{Cmd: cmdArgs, Env: env, Workdir: o.workdir, User: o.user, Tty: o.tty, Hostname: hostname}
	if o.entrypoint != "" || o.entrypointGiven {
		po.EntrypointSet = true
		if o.entrypoint != "" {
			po.Entrypoint = []string{o.entrypoint}
		}
	}
	proc, err := container.ProcessFromImage(ic, c.Rootfs, po)
	if err != nil {
		return nil, err
	}
	if err := container.MakeWorkdir(c.Rootfs, proc); err != nil {
		return nil, err
	}
	mounts, err := a.volumeMounts(c, o, ic)
	if err != nil {
		return nil, err
	}
	hostMounts, err := container.HostFiles(c.Bundle, hostname, o.network, o.addHosts)
	if err != nil {
		return nil, err
	}
	so := container.SpecOptions{
		Hostname: hostname, NetworkMode: o.network, ReadOnly: o.readOnly, CapAdd: o.capAdd, CapDrop: o.capDrop,
		Privileged: o.privileged, PidsLimit: o.pidsLimit, CPUs: o.cpus,
		Mounts: append(hostMounts, mounts...), CgroupsPath: "/servin/" + c.ID,
		Annotations: map[string]string{"org.servin.container.name": c.Name, "org.servin.image": c.ImageName},
	}
	if so.Memory, err = parseSize(o.memory); err != nil {
		return nil, fmt.Errorf("--memory: %w", err)
	}
	if err := securityOptions(&so, o.securityOpt); err != nil {
		return nil, err
	}
	s, err := container.GenerateSpec(proc, so)
	if err != nil {
		return nil, err
	}
	sec, err := security.Load(a.rootDir())
	if err != nil {
		return nil, err
	}
	sec.Apply(s)
	if s.Linux.UIDMappings != nil {
		if err := container.ShiftOwnership(c.Rootfs, s.Linux.UIDMappings, s.Linux.GIDMappings); err != nil {
			return nil, fmt.Errorf("user namespace: %w", err)
		}
	}
	if o.init {
		if err := addInit(s, c.Bundle); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// collectEnv merges --env-file files and -e flags; a bare KEY takes the
// host's value (dropped when unset), as docker.
func collectEnv(env, files []string) ([]string, error) {
	var out []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, fmt.Errorf("env file: %w", err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line != "" && !strings.HasPrefix(line, "#") {
				out = append(out, line)
			}
		}
		fh.Close()
	}
	out = append(out, env...)
	for i, kv := range out {
		if !strings.Contains(kv, "=") {
			if v, ok := os.LookupEnv(kv); ok {
				out[i] = kv + "=" + v
			}
		}
	}
	return out, nil
}

// securityOptions applies --security-opt.
func securityOptions(so *container.SpecOptions, opts []string) error {
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		if sep := strings.Index(o, ":"); sep > 0 && !strings.Contains(o, "=") {
			k, v = o[:sep], o[sep+1:]
		}
		switch k {
		case "no-new-privileges":
			so.NoNewPrivileges = v == "" || v == "true"
		case "seccomp":
			if v == "unconfined" {
				so.SeccompUnconfined, so.SeccompProfile = true, nil
				continue
			}
			data, err := os.ReadFile(v)
			if err != nil {
				return fmt.Errorf("seccomp profile: %w", err)
			}
			so.SeccompProfile = data
		default:
			return fmt.Errorf("invalid --security-opt %q: want no-new-privileges, seccomp=FILE or seccomp=unconfined", o)
		}
	}
	return nil
}

// parseRestart parses --restart.
func parseRestart(s string) (container.RestartPolicy, error) {
	n, v, hasN := strings.Cut(s, ":")
	p := container.RestartPolicy{Name: n}
	switch n {
	case "", "no":
		p.Name = "no"
	case "always", "unless-stopped":
	case "on-failure":
		if hasN {
			k, err := strconv.Atoi(v)
			if err != nil || k < 0 {
				return p, fmt.Errorf("invalid --restart %q: retry count must be a number", s)
			}
			p.MaxRetries = k
		}
		return p, nil
	default:
		return p, fmt.Errorf("invalid --restart %q: want no, on-failure[:N] or always", s)
	}
	if hasN {
		return p, fmt.Errorf("invalid --restart %q: only on-failure takes a count", s)
	}
	return p, nil
}

// hostConfig collects the options that act after creation.
func hostConfig(o *runOptions, restart container.RestartPolicy) (container.HostConfig, error) {
	hc := container.HostConfig{Tty: o.tty, OpenStdin: o.interactive, AutoRemove: o.rm, Restart: restart, NetworkMode: o.network, Init: o.init, LogMaxFiles: 1}
	for _, lo := range o.logOpts {
		k, v, _ := strings.Cut(lo, "=")
		switch k {
		case "max-size":
			n, err := parseSize(v)
			if err != nil || n <= 0 {
				return hc, fmt.Errorf("invalid --log-opt %q", lo)
			}
			hc.LogMaxSize = n
		case "max-file":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return hc, fmt.Errorf("invalid --log-opt %q", lo)
			}
			hc.LogMaxFiles = n
		default:
			return hc, fmt.Errorf("invalid --log-opt %q: want max-size=SIZE or max-file=N", lo)
		}
	}
	return hc, nil
}

// volumeMounts resolves -v, --mount and --tmpfs into OCI mounts, creating
// (and populating from the image) named volumes.
func (a *app) volumeMounts(c *container.Container, o *runOptions, ic v1.Config) ([]specs.Mount, error) {
	var ms []container.Mount
	for _, v := range o.volumes {
		m, err := container.ParseVolume(v)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	for _, v := range o.mounts {
		m, err := container.ParseMount(v)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	for _, v := range o.tmpfs {
		m, err := container.ParseTmpfs(v)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	for d := range ic.Volumes { // VOLUME in the image: anonymous volumes
		if !hasDest(ms, d) {
			ms = append(ms, container.Mount{Type: "volume", Destination: d})
		}
	}
	vs, err := volume.Open(a.rootDir())
	if err != nil {
		return nil, err
	}
	var out []specs.Mount
	for i := range ms {
		m, err := a.resolveMount(vs, c, &ms[i])
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	c.Mounts = ms
	return out, nil
}

func hasDest(ms []container.Mount, d string) bool {
	for _, m := range ms {
		if filepath.Clean(m.Destination) == filepath.Clean(d) {
			return true
		}
	}
	return false
}

func (a *app) resolveMount(vs *volume.Store, c *container.Container, m *container.Mount) (specs.Mount, error) {
	opts := []string{"rbind", "rprivate"}
	if m.ReadOnly {
		opts = append(opts, "ro")
	}
	switch m.Type {
	case "tmpfs":
		return specs.Mount{Destination: m.Destination, Type: "tmpfs", Source: "tmpfs", Options: append([]string{"nosuid", "nodev"}, m.Options...)}, nil
	case "bind":
		src, err := filepath.Abs(m.Source)
		if err != nil {
			return specs.Mount{}, err
		}
		if _, err := os.Stat(src); err != nil {
			return specs.Mount{}, fmt.Errorf("bind mount source %s: %w", src, err)
		}
		m.Source = src
		return specs.Mount{Destination: m.Destination, Type: "bind", Source: src, Options: opts}, nil
	}
	if m.Name == "" {
		m.Name = container.NewID() // anonymous volume
	}
	v, err := vs.Get(m.Name)
	created := false
	if errors.Is(err, volume.ErrNotExist) {
		v, err = vs.Create(m.Name, map[string]string{"org.servin.anonymous": strconv.FormatBool(len(m.Name) == 64)})
		created = true
	}
	if err != nil {
		return specs.Mount{}, err
	}
	if created || v.Empty() {
		// Docker copies the image's content at the mount point into a new volume.
		if src, err := securePath(c.Rootfs, m.Destination); err == nil {
			if fi, err := os.Stat(src); err == nil && fi.IsDir() {
				if err := container.CopyTree(src, v.Mountpoint); err != nil {
					return specs.Mount{}, fmt.Errorf("populate volume %s: %w", m.Name, err)
				}
			}
		}
	}
	m.Source = v.Mountpoint
	return specs.Mount{Destination: m.Destination, Type: "bind", Source: v.Mountpoint, Options: opts}, nil
}

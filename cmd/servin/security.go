package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"text/tabwriter"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/security"
)

func newSecurityCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "security COMMAND", Short: "Check, show, configure and test container security features"}
	cmd.AddCommand(newSecurityCheckCmd(), newSecurityInfoCmd(a), newSecurityConfigCmd(a), newSecurityTestCmd(a))
	return cmd
}

func newSecurityCheckCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use: "check", Short: "Check which security features the host offers", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := security.Check()
			if asJSON {
				data, _ := json.MarshalIndent(fs, "", "  ")
				fmt.Fprintf(cmd.OutOrStdout(), "%s\n", data)
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 8, 2, ' ', 0)
			fmt.Fprintln(tw, "FEATURE\tAVAILABLE\tDETAIL")
			for _, f := range fs {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name, yesNo(f.Available), f.Detail)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func newSecurityInfoCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use: "info", Short: "Show the security configuration new containers get", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := security.Load(a.rootDir())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Root:               %s\n", a.rootDir())
			if rt, err := a.newRuntime(); err == nil {
				v, _ := exec.Command(rt.Path, "--version").Output()
				fmt.Fprintf(out, "Runtime:            %s (%s)\n", rt.Path, strings.SplitN(strings.TrimSpace(string(v)), "\n", 2)[0])
			} else {
				fmt.Fprintf(out, "Runtime:            %v\n", err)
			}
			fmt.Fprintf(out, "Default network:    none (new network namespace)\n")
			fmt.Fprintf(out, "Capabilities:       docker's default set (14)\n")
			fmt.Fprintf(out, "No-new-privileges:  %s\n", yesNo(cfg.NoNewPrivileges))
			fmt.Fprintf(out, "User namespace:     %s\n", userNSText(cfg))
			fmt.Fprintf(out, "Rootless:           %s\n", yesNo(cfg.Rootless))
			return nil
		},
	}
}

func userNSText(c security.Config) string {
	if !c.UserNamespace {
		return "no"
	}
	var m []string
	for _, x := range c.UIDMappings {
		m = append(m, fmt.Sprintf("%d:%d:%d", x.ContainerID, x.HostID, x.Size))
	}
	return "yes, uid map " + strings.Join(m, ",")
}

func newSecurityConfigCmd(a *app) *cobra.Command {
	var userNS, rootless, noNewPrivs, reset bool
	var uidMaps, gidMaps []string
	cmd := &cobra.Command{
		Use: "config [OPTIONS]", Short: "Set security defaults for new containers (<root>/security.json)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := security.Load(a.rootDir())
			if err != nil {
				return err
			}
			if reset {
				cfg = security.Config{}
			}
			f := cmd.Flags()
			if f.Changed("no-new-privs") {
				cfg.NoNewPrivileges = noNewPrivs
			}
			if f.Changed("rootless") {
				cfg.Rootless = rootless
			}
			if f.Changed("user-ns") {
				cfg.UserNamespace = userNS
			}
			if cfg.UIDMappings, err = idMaps(uidMaps, cfg.UIDMappings); err != nil {
				return err
			}
			if cfg.GIDMappings, err = idMaps(gidMaps, cfg.GIDMappings); err != nil {
				return err
			}
			if cfg.UserNamespace && len(cfg.UIDMappings) == 0 {
				return errors.New("--user-ns needs --uid-map CONTAINER:HOST:SIZE")
			}
			if err := security.Save(a.rootDir(), cfg); err != nil {
				return err
			}
			data, _ := json.MarshalIndent(cfg, "", "  ")
			fmt.Fprintf(cmd.OutOrStdout(), "%s\n", data)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&userNS, "user-ns", false, "run containers in a user namespace")
	f.StringArrayVar(&uidMaps, "uid-map", nil, "uid mapping CONTAINER:HOST:SIZE")
	f.StringArrayVar(&gidMaps, "gid-map", nil, "gid mapping CONTAINER:HOST:SIZE (default: the uid mappings)")
	f.BoolVar(&rootless, "rootless", false, "record rootless mode")
	f.BoolVar(&noNewPrivs, "no-new-privs", false, "set no-new-privileges on every container")
	f.BoolVar(&reset, "reset", false, "start from the defaults")
	return cmd
}

func idMaps(list []string, old []specs.LinuxIDMapping) ([]specs.LinuxIDMapping, error) {
	if len(list) == 0 {
		return old, nil
	}
	var out []specs.LinuxIDMapping
	for _, s := range list {
		m, err := security.ParseIDMap(s)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func newSecurityTestCmd(a *app) *cobra.Command {
	var image string
	var userNS bool
	cmd := &cobra.Command{
		Use: "test [OPTIONS]", Short: "Run containers that check namespace and privilege isolation", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := security.Load(a.rootDir())
			if err != nil {
				return err
			}
			checks := []struct{ name, script, want string }{
				{"pid namespace", "echo $$", "1"},
				{"uts namespace", "hostname", "servin-security-test"},
				{"network namespace", "ls /sys/class/net | tr '\\n' ' '", "lo"},
				{"capabilities dropped", "grep CapEff /proc/self/status | cut -f2", "00000000a80425fb"},
			}
			if cfg.NoNewPrivileges {
				checks = append(checks, struct{ name, script, want string }{"no-new-privileges", "grep NoNewPrivs /proc/self/status | cut -f2", "1"})
			}
			if userNS || cfg.UserNamespace {
				checks = append(checks, struct{ name, script, want string }{"user namespace", "awk '{print $2}' /proc/self/uid_map", "!0"})
			}
			var failed int
			for _, c := range checks {
				got, err := a.captureRun(cmd, image, c.script)
				ok := err == nil && (got == c.want || strings.HasPrefix(c.want, "!") && got != c.want[1:] && got != "")
				if !ok {
					failed++
				}
				detail := got
				if err != nil {
					detail = err.Error()
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%-22s %s  (%s)\n", c.name, map[bool]string{true: "PASS", false: "FAIL"}[ok], detail)
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d security checks failed", failed, len(checks))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&image, "image", "busybox", "image with /bin/sh to test with (must be in the store)")
	cmd.Flags().BoolVar(&userNS, "user-ns", false, "also check the user namespace (needs security config --user-ns)")
	return cmd
}

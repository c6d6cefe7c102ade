package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/container"
	"github.com/servin/servin/libservin/volume"
)

func newVolumeCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "volume COMMAND", Short: "Manage named volumes"}
	cmd.AddCommand(newVolumeCreateCmd(a), newVolumeLsCmd(a), newVolumeInspectCmd(a), newVolumeRmCmd(a),
		newVolumeRmAllCmd(a), newVolumePruneCmd(a))
	return cmd
}

// volumeUsers lists the containers (names) that mount volume name.
func (a *app) volumeUsers(name string) []string {
	cs, err := a.containers()
	if err != nil {
		return nil
	}
	list, _ := cs.List()
	var out []string
	for _, c := range list {
		for _, m := range c.Mounts {
			if m.Type == "volume" && m.Name == name {
				out = append(out, c.Name)
			}
		}
	}
	return out
}

func newVolumeCreateCmd(a *app) *cobra.Command {
	var labels []string
	cmd := &cobra.Command{
		Use: "create [OPTIONS] [NAME]", Short: "Create a volume", Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := parseLabels(labels)
			if err != nil {
				return err
			}
			vs, err := volume.Open(a.rootDir())
			if err != nil {
				return err
			}
			name := container.NewID()
			if len(args) == 1 {
				name = args[0]
			}
			v, err := vs.Create(name, l)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), v.Name)
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&labels, "label", "l", nil, "set metadata (KEY=VALUE)")
	return cmd
}

func newVolumeLsCmd(a *app) *cobra.Command {
	var quiet bool
	var filters []string
	cmd := &cobra.Command{
		Use: "ls [OPTIONS]", Aliases: []string{"list"}, Short: "List volumes", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			vs, err := volume.Open(a.rootDir())
			if err != nil {
				return err
			}
			list, err := vs.List()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 8, 3, ' ', 0)
			if !quiet {
				fmt.Fprintln(tw, "DRIVER\tVOLUME NAME")
			}
			for _, v := range list {
				ok, err := a.volumeMatches(v, filters)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				if quiet {
					fmt.Fprintln(tw, v.Name)
				} else {
					fmt.Fprintf(tw, "%s\t%s\n", v.Driver, v.Name)
				}
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "only display volume names")
	cmd.Flags().StringArrayVarP(&filters, "filter", "f", nil, "filter: name=, label=KEY[=VALUE], dangling=true|false")
	return cmd
}

func (a *app) volumeMatches(v *volume.Volume, filters []string) (bool, error) {
	for _, f := range filters {
		k, val, ok := strings.Cut(f, "=")
		if !ok {
			return false, fmt.Errorf("invalid filter %q: want key=value", f)
		}
		switch k {
		case "name":
			if !strings.Contains(v.Name, val) {
				return false, nil
			}
		case "label":
			lk, lv, hasV := strings.Cut(val, "=")
			got, present := v.Labels[lk]
			if !present || hasV && got != lv {
				return false, nil
			}
		case "dangling":
			if (len(a.volumeUsers(v.Name)) == 0) != (val == "true" || val == "1") {
				return false, nil
			}
		default:
			return false, fmt.Errorf("invalid filter %q: unknown key %q", f, k)
		}
	}
	return true, nil
}

func newVolumeInspectCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use: "inspect VOLUME...", Short: "Show volumes as JSON", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			vs, err := volume.Open(a.rootDir())
			if err != nil {
				return err
			}
			list := []*volume.Volume{}
			var errs []error
			for _, n := range args {
				v, err := vs.Get(n)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				list = append(list, v)
			}
			data, _ := json.MarshalIndent(list, "", "    ")
			fmt.Fprintf(cmd.OutOrStdout(), "%s\n", data)
			return errors.Join(errs...)
		},
	}
}

// removeVolume deletes a volume unless a container uses it.
func (a *app) removeVolume(vs *volume.Store, name string, force bool) error {
	if users := a.volumeUsers(name); len(users) > 0 {
		return fmt.Errorf("remove volume %s: %w by containers %s", name, volume.ErrInUse, strings.Join(users, ", "))
	}
	return vs.Remove(name)
}

func newVolumeRmCmd(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "rm [OPTIONS] VOLUME...", Aliases: []string{"remove"}, Short: "Remove volumes (refuses those in use)", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			vs, err := volume.Open(a.rootDir())
			if err != nil {
				return err
			}
			return forEach(cmd, args, func(_ context.Context, n string) error { return a.removeVolume(vs, n, force) })
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "accepted for docker compatibility; volumes in use are still kept")
	return cmd
}

func newVolumeRmAllCmd(a *app) *cobra.Command {
	return newVolumeRemoveUnusedCmd(a, "rm-all", "Remove every volume not in use (asks first unless -f)",
		"This removes all volumes not used by a container.", false)
}

func newVolumePruneCmd(a *app) *cobra.Command {
	return newVolumeRemoveUnusedCmd(a, "prune", "Remove anonymous volumes not used by a container",
		"This removes all anonymous volumes not used by a container.", true)
}

// newVolumeRemoveUnusedCmd is rm-all and prune: remove the unused volumes
// (only anonymous ones when anonymousOnly) after confirmation or -f.
func newVolumeRemoveUnusedCmd(a *app, name, short, warning string, anonymousOnly bool) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: name + " [OPTIONS]", Short: short, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !force && !confirm(cmd, warning) {
				return errors.New("aborted")
			}
			return a.pruneVolumes(cmd, anonymousOnly)
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	return cmd
}

// pruneVolumes removes unused volumes (only anonymous ones with
// anonymousOnly, as docker's prune) and prints their names.
func (a *app) pruneVolumes(cmd *cobra.Command, anonymousOnly bool) error {
	vs, err := volume.Open(a.rootDir())
	if err != nil {
		return err
	}
	list, err := vs.List()
	if err != nil {
		return err
	}
	var errs []error
	for _, v := range list {
		if anonymousOnly && v.Labels["org.servin.anonymous"] != "true" || len(a.volumeUsers(v.Name)) > 0 {
			continue
		}
		if err := vs.Remove(v.Name); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintln(cmd.OutOrStdout(), v.Name)
	}
	return errors.Join(errs...)
}

// confirm asks on stderr and reads y/N from stdin.
func confirm(cmd *cobra.Command, what string) bool {
	fmt.Fprintf(cmd.ErrOrStderr(), "WARNING! %s\nAre you sure you want to continue? [y/N] ", what)
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	line = strings.ToLower(strings.TrimSpace(line))
	return line == "y" || line == "yes"
}

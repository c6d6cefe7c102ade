package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/container"
)

func newTopCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "top CONTAINER",
		Short: "Show the processes of a running container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			_, c, err := a.lookup(ctx, args[0])
			if err != nil {
				return err
			}
			if !c.State.Running() || c.State.Pid == 0 {
				return fmt.Errorf("container %s: %w", args[0], container.ErrNotRunning)
			}
			pids, err := runtimeOf(c).Ps(ctx, c.ID)
			if err != nil || len(pids) == 0 {
				a.log.Debug("runtime ps failed; walking /proc", "err", err)
				pids = container.Descendants(c.State.Pid)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 8, 3, ' ', 0)
			fmt.Fprintln(tw, "UID\tPID\tPPID\tCMD")
			for _, p := range container.Procs(pids) {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", p.UID, p.PID, p.PPID, p.Cmd)
			}
			return tw.Flush()
		},
	}
}

func newStatsCmd(a *app) *cobra.Command {
	var noStream, all bool
	var format string
	cmd := &cobra.Command{
		Use:   "stats [OPTIONS] [CONTAINER...]",
		Short: "Show containers' resource use from their cgroups",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cs, err := a.containers()
			if err != nil {
				return err
			}
			var list []*container.Container
			if len(args) == 0 {
				all, _ := cs.List()
				for _, c := range all {
					if refresh(ctx, cs, c).State.Running() {
						list = append(list, c)
					}
				}
			}
			for _, ref := range args {
				_, c, err := a.lookup(ctx, ref)
				if err != nil {
					return err
				}
				list = append(list, c)
			}
			for {
				rows := sampleStats(list, 500*time.Millisecond)
				if format == "" {
					format = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.PIDs}}"
				}
				if err := renderTemplate(cmd.OutOrStdout(), format, rows, map[string]string{
					"ID": "CONTAINER ID", "Name": "NAME", "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "PIDs": "PIDS",
				}); err != nil {
					return err
				}
				if noStream || ctx.Err() != nil {
					return nil
				}
			}
		},
	}
	cmd.Flags().BoolVar(&noStream, "no-stream", false, "print one sample and exit")
	cmd.Flags().BoolVarP(&all, "all", "a", false, "accepted for docker compatibility")
	cmd.Flags().StringVar(&format, "format", "", "Go template ({{.ID}} {{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.MemPerc}} {{.PIDs}})")
	return cmd
}

type statsRow struct {
	ID, Name, CPUPerc, MemUsage, MemPerc, PIDs string
	Memory, MemoryLimit                        uint64
}

// sampleStats reads every container's cgroup twice, interval apart, for
// the CPU percentage.
func sampleStats(list []*container.Container, interval time.Duration) []statsRow {
	first := map[string]container.Usage{}
	for _, c := range list {
		if u, err := container.CgroupUsage(c.State.Pid); err == nil {
			first[c.ID] = u
		}
	}
	time.Sleep(interval)
	var rows []statsRow
	for _, c := range list {
		r := statsRow{ID: c.ShortID(), Name: c.Name, CPUPerc: "--", MemUsage: "-- / --", MemPerc: "--", PIDs: "--"}
		u, err := container.CgroupUsage(c.State.Pid)
		if f, ok := first[c.ID]; ok && err == nil {
			cpu := float64(u.CPUNanos-f.CPUNanos) / float64(interval.Nanoseconds()) * 100
			r.CPUPerc = fmt.Sprintf("%.2f%%", cpu)
			limit := u.MemoryLimit
			r.Memory, r.MemoryLimit = u.MemoryBytes, limit
			lim := "unlimited"
			if limit > 0 {
				lim = bytesIEC(limit)
				r.MemPerc = fmt.Sprintf("%.2f%%", float64(u.MemoryBytes)/float64(limit)*100)
			}
			r.MemUsage = bytesIEC(u.MemoryBytes) + " / " + lim
			r.PIDs = fmt.Sprint(u.Pids)
		}
		rows = append(rows, r)
	}
	return rows
}

func bytesIEC(n uint64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f := float64(n)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return fmt.Sprintf("%.2f%s", f, units[i])
}

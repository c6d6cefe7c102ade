package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/container"
	"github.com/servin/servin/libservin/image/name"
)

// psRow is what --format templates see (docker's field names).
type psRow struct {
	ID, Image, Command, CreatedAt, RunningFor, Status, State, Ports, Names, Labels, Mounts string
	c                                                                                      *container.Container
}

// Label returns one label's value ({{.Label "k"}}).
func (r psRow) Label(k string) string { return r.c.Labels[k] }

func newLsCmd(a *app) *cobra.Command {
	var all, quiet, noTrunc bool
	var format string
	var filters []string
	cmd := &cobra.Command{
		Use:     "ls [OPTIONS]",
		Aliases: []string{"ps"},
		Short:   "List containers",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := parseFilters(filters)
			if err != nil {
				return err
			}
			cs, err := a.containers()
			if err != nil {
				return err
			}
			list, err := cs.List()
			if err != nil {
				return err
			}
			var rows []psRow
			for _, c := range list {
				c = refresh(cmd.Context(), cs, c)
				if (!all && !c.State.Running() && len(f["status"]) == 0) || !f.match(c) {
					continue
				}
				rows = append(rows, makeRow(c, noTrunc))
			}
			return printRows(cmd.OutOrStdout(), rows, quiet, format)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&all, "all", "a", false, "show all containers (default shows just running)")
	fl.BoolVarP(&quiet, "quiet", "q", false, "only display container IDs")
	fl.BoolVar(&noTrunc, "no-trunc", false, "do not truncate output")
	fl.StringVar(&format, "format", "", "format: table, json, or a Go template like docker's ({{.ID}} {{.Names}} ...)")
	fl.StringArrayVarP(&filters, "filter", "f", nil, "filter: status=, name=, label=KEY[=VALUE], id=, ancestor=")
	return cmd
}

func makeRow(c *container.Container, noTrunc bool) psRow {
	cmdline := strings.Join(append([]string{c.Path}, c.Args...), " ")
	id := c.ShortID()
	if noTrunc {
		id = c.ID
	} else if len(cmdline) > 20 {
		cmdline = cmdline[:19] + "…"
	}
	img := c.ImageName
	if r, err := name.Parse(img); err == nil {
		img = r.Familiar()
	}
	var labels []string
	for k, v := range c.Labels {
		labels = append(labels, k+"="+v)
	}
	var mounts []string
	for _, m := range c.Mounts {
		mounts = append(mounts, m.Name+m.Source)
	}
	return psRow{
		ID: id, Image: img, Command: fmt.Sprintf("%q", cmdline), CreatedAt: c.Created.Local().Format("2006-01-02 15:04:05 -0700 MST"),
		RunningFor: ago(c.Created), Status: statusText(c), State: c.State.Status, Names: c.Name,
		Labels: strings.Join(labels, ","), Mounts: strings.Join(mounts, ","), c: c,
	}
}

// statusText is docker's STATUS column.
func statusText(c *container.Container) string {
	st := c.State
	switch st.Status {
	case container.StatusRunning:
		return "Up " + human(time.Since(st.StartedAt))
	case container.StatusPaused:
		return "Up " + human(time.Since(st.StartedAt)) + " (Paused)"
	case container.StatusRestarting:
		return fmt.Sprintf("Restarting (%d) %s", st.ExitCode, ago(st.FinishedAt))
	case container.StatusExited:
		return fmt.Sprintf("Exited (%d) %s", st.ExitCode, ago(st.FinishedAt))
	case container.StatusCreated:
		return "Created"
	}
	return st.Status
}

func ago(t time.Time) string { return human(time.Since(t)) + " ago" }

func human(d time.Duration) string {
	switch {
	case d < time.Second:
		return "Less than a second"
	case d < time.Minute:
		return fmt.Sprintf("%d seconds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

func printRows(w io.Writer, rows []psRow, quiet bool, format string) error {
	if quiet {
		for _, r := range rows {
			fmt.Fprintln(w, r.ID)
		}
		return nil
	}
	switch {
	case format == "json":
		for _, r := range rows {
			data, _ := json.Marshal(map[string]string{"ID": r.ID, "Image": r.Image, "Command": r.Command, "CreatedAt": r.CreatedAt,
				"RunningFor": r.RunningFor, "Status": r.Status, "State": r.State, "Ports": r.Ports, "Names": r.Names, "Labels": r.Labels, "Mounts": r.Mounts})
			fmt.Fprintf(w, "%s\n", data)
		}
		return nil
	case format == "" || format == "table":
		format = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
	}
	return renderTemplate(w, format, rows, map[string]string{
		"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "RunningFor": "CREATED", "CreatedAt": "CREATED AT",
		"Status": "STATUS", "State": "STATE", "Ports": "PORTS", "Names": "NAMES", "Labels": "LABELS", "Mounts": "MOUNTS",
	})
}

// renderTemplate prints rows with a docker-style --format: a Go template,
// "table " prefixed for aligned columns with a header.
func renderTemplate[T any](w io.Writer, format string, rows []T, headers map[string]string) error {
	table := strings.HasPrefix(format, "table ")
	format = strings.TrimPrefix(format, "table ")
	format = strings.ReplaceAll(format, `\t`, "\t")
	tmpl, err := template.New("format").Funcs(template.FuncMap{
		"json": func(v any) string { b, _ := json.Marshal(v); return string(b) },
		"join": strings.Join, "lower": strings.ToLower, "upper": strings.ToUpper,
	}).Parse(format)
	if err != nil {
		return fmt.Errorf("invalid --format: %w", err)
	}
	out := w
	var tw *tabwriter.Writer
	if table {
		tw = tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
		out = tw
		hdr := format
		for k, v := range headers {
			hdr = strings.ReplaceAll(hdr, "{{."+k+"}}", v)
		}
		fmt.Fprintln(out, hdr)
	}
	for _, r := range rows {
		if err := tmpl.Execute(out, r); err != nil {
			return fmt.Errorf("--format: %w", err)
		}
		fmt.Fprintln(out)
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

// filters are --filter key=value pairs.
type filters map[string][]string

func parseFilters(list []string) (filters, error) {
	f := filters{}
	for _, s := range list {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("invalid filter %q: want key=value", s)
		}
		switch k {
		case "status", "name", "label", "id", "ancestor":
		default:
			return nil, fmt.Errorf("invalid filter %q: unknown key %q", s, k)
		}
		f[k] = append(f[k], v)
	}
	return f, nil
}

// match: values of one key are alternatives; keys must all match.
func (f filters) match(c *container.Container) bool {
	for k, vals := range f {
		ok := false
		for _, v := range vals {
			switch k {
			case "status":
				ok = ok || c.State.Status == v
			case "name":
				ok = ok || strings.Contains(c.Name, v)
			case "id":
				ok = ok || strings.HasPrefix(c.ID, v)
			case "ancestor":
				n, _ := name.Normalize(v)
				ok = ok || c.ImageName == v || c.ImageName == n || strings.HasPrefix(string(c.ImageID), v) || strings.HasPrefix(c.ImageID.Encoded(), v)
			case "label":
				lk, lv, hasV := strings.Cut(v, "=")
				got, present := c.Labels[lk]
				ok = ok || present && (!hasV || got == lv)
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

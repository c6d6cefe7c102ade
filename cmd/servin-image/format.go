package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"github.com/servin/servin/libservin/image/name"
)

// templateFuncs are available in --format templates, as in docker.
var templateFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"join":  strings.Join,
}

// printRows writes rows with a --format value: "" uses the default table,
// "json" one JSON object per line, "table TEMPLATE" a table with headers,
// anything else a Go template per row.
func printRows[T any](w io.Writer, format string, rows []T, table func(*tabwriter.Writer, []T)) error {
	switch {
	case format == "":
		tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
		table(tw, rows)
		return tw.Flush()
	case format == "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format) // as docker does
	isTable := strings.HasPrefix(format, "table ")
	tmplText := strings.TrimPrefix(format, "table ")
	tmpl, err := template.New("format").Funcs(templateFuncs).Parse(tmplText + "\n")
	if err != nil {
		return usagef("parse --format: %w", err)
	}
	out := w
	var tw *tabwriter.Writer
	if isTable {
		tw = tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
		out = tw
		header := strings.NewReplacer("{{", "", "}}", "", ".", "").Replace(tmplText)
		fmt.Fprintln(tw, strings.ToUpper(strings.Join(strings.Fields(header), "\t")))
	}
	for _, r := range rows {
		if err := tmpl.Execute(out, r); err != nil {
			return fmt.Errorf("execute --format: %w", err)
		}
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

// shortID is the 12-hex-digit form of an image ID.
// splitName returns the familiar repository and tag of a ref name; names
// that are not docker references (a bare tag written by another tool) are
// shown as they are.
func splitName(n string) (repo, tag string) {
	if n == "" {
		return "<none>", "<none>"
	}
	r, err := name.ParseNoTag(n)
	if err != nil {
		return n, "<none>"
	}
	tag = r.Tag
	if tag == "" {
		tag = "<none>"
	}
	return r.FamiliarName(), tag
}

// familiar is a full ref name in docker's short form.
func familiar(n string) string {
	if r, err := name.ParseNoTag(n); err == nil {
		return r.Familiar()
	}
	return n
}

// humanSize formats bytes like docker (decimal units, 3 significant digits).
// since formats a time like docker's "3 hours ago".
func since(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "N/A"
	}
	d := time.Since(*t)
	switch {
	case d < time.Minute:
		return "Less than a minute ago"
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d.Hours()), "hour") + " ago"
	case d < 14*24*time.Hour:
		return plural(int(d.Hours()/24), "day") + " ago"
	case d < 60*24*time.Hour:
		return plural(int(d.Hours()/24/7), "week") + " ago"
	case d < 2*365*24*time.Hour:
		return plural(int(d.Hours()/24/30), "month") + " ago"
	}
	return plural(int(d.Hours()/24/365), "year") + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		if unit == "hour" {
			return "An hour"
		}
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

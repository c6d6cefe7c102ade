package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/logs"
)

func newLogsCmd(a *app) *cobra.Command {
	var follow, timestamps bool
	var tail, since, until string
	cmd := &cobra.Command{
		Use:   "logs [OPTIONS] CONTAINER",
		Short: "Show a container's logs",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cs, c, err := a.lookup(ctx, args[0])
			if err != nil {
				return err
			}
			o := logs.ReadOptions{Tail: -1, Follow: follow}
			if tail != "all" && tail != "" {
				if o.Tail, err = strconv.Atoi(tail); err != nil || o.Tail < 0 {
					return fmt.Errorf("invalid --tail %q: want a number or all", tail)
				}
			}
			now := time.Now()
			if o.Since, err = parseTime(since, now); err != nil {
				return fmt.Errorf("invalid --since: %w", err)
			}
			if o.Until, err = parseTime(until, now); err != nil {
				return fmt.Errorf("invalid --until: %w", err)
			}
			id := c.ID
			o.Done = func() bool {
				cur, err := cs.Load(id)
				return err != nil || monitorGone(cur) && !refresh(ctx, cs, cur).State.Running()
			}
			stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
			return logs.Read(ctx, c.LogPath, o, func(e logs.Entry) error {
				w := stdout
				if e.Stream == "stderr" {
					w = stderr
				}
				if timestamps {
					fmt.Fprintf(w, "%s %s", e.Time.Format(time.RFC3339Nano), e.Log)
				} else {
					fmt.Fprint(w, e.Log)
				}
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&follow, "follow", "f", false, "follow the log output")
	f.BoolVarP(&timestamps, "timestamps", "t", false, "show timestamps")
	f.StringVarP(&tail, "tail", "n", "all", "number of lines to show from the end")
	f.StringVar(&since, "since", "", "show logs since a time (RFC 3339, Unix seconds) or a duration ago (1h, 10m)")
	f.StringVar(&until, "until", "", "show logs before a time (RFC 3339, Unix seconds) or a duration ago")
	return cmd
}

// parseTime parses docker's --since/--until: empty, a duration before now,
// an RFC 3339 time (with or without nanoseconds or zone) or Unix seconds.
func parseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a duration, RFC 3339 time or Unix timestamp", s)
}

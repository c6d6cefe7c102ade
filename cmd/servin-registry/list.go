package main

import (
	"fmt"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/servin/servin/libservin/registry"
	"github.com/spf13/cobra"
)

func newListCmd() *cobra.Command {
	var (
		authfile, caCert string
		tlsVerify        bool
		timeout          time.Duration
	)
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the local registry and the registries logged into, with their status",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			file := registry.AuthFile(authfile)
			logins, err := registry.ListLogins(file)
			if err != nil {
				return err
			}
			type row struct{ reg, source string }
			var rows []row
			local, lerr := registry.Running(registryDir(cmd))
			if lerr == nil {
				rows = append(rows, row{local.HostPort(), fmt.Sprintf("local (pid %d)", local.PID)})
			}
			for _, l := range logins {
				if lerr == nil && l == registry.NormalizeRegistry(local.HostPort()) {
					rows[0].source += ", logged in"
					continue
				}
				rows = append(rows, row{l, "logged in"})
			}
			copts := registry.ClientOptions{Insecure: !tlsVerify, CACert: caCert, Timeout: timeout}
			stats := make([]registry.Status, len(rows))
			var wg sync.WaitGroup
			for i, r := range rows {
				wg.Go(func() {
					cred, ok, _ := registry.GetLogin(file, r.reg)
					var cp *registry.Credentials
					if ok {
						cp = &cred
					}
					stats[i] = registry.Probe(cmd.Context(), r.reg, cp, copts)
				})
			}
			wg.Wait()
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "REGISTRY\tSOURCE\tREACHABLE\tTLS\tAUTH")
			for i, r := range rows {
				s := stats[i]
				reach, tls, auth := "yes", s.TLS, s.Auth
				if !s.Reachable {
					reach, tls, auth = "no", "-", "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.reg, r.source, reach, tls, auth)
			}
			return tw.Flush()
		},
	}
	addClientFlags(cmd, &authfile, &caCert, &tlsVerify)
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "how long to wait for each registry")
	return cmd
}

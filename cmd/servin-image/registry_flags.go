package main

import (
	"github.com/spf13/cobra"

	"github.com/servin/servin/libservin/image/layout"
	"github.com/servin/servin/libservin/image/progress"
	"github.com/servin/servin/libservin/image/transport"
)

// registryFlags are the flags of commands that talk to registries.
type registryFlags struct {
	tlsVerify bool
	insecure  bool
	platform  string
	quiet     bool
	jobs      int
}

func (f *registryFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.tlsVerify, "tls-verify", true, "require HTTPS and verify certificates")
	fl.BoolVar(&f.insecure, "insecure", false, "allow plain HTTP and unverified TLS (same as --tls-verify=false)")
	fl.StringVar(&f.platform, "platform", "", "os/arch[/variant] to choose from a multi-platform image (default: this machine's)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "do not show progress")
	fl.IntVar(&f.jobs, "jobs", 4, "blobs transferred at once")
}

func (f *registryFlags) options(cmd *cobra.Command) ([]transport.Option, error) {
	opts := []transport.Option{
		transport.WithInsecure(f.insecure || !f.tlsVerify),
		transport.WithJobs(f.jobs),
		transport.WithProgress(progress.New(cmd.OutOrStdout(), f.quiet)),
	}
	if f.platform != "" {
		p, err := layout.ParsePlatform(f.platform)
		if err != nil {
			return nil, usageError{err}
		}
		opts = append(opts, transport.WithPlatform(p))
	}
	return opts, nil
}

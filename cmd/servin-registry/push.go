package main

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"

	"github.com/servin/servin/libservin/image/layout"
	"github.com/servin/servin/libservin/image/progress"
	"github.com/servin/servin/libservin/image/transport"
	"github.com/servin/servin/libservin/store"

	"github.com/servin/servin/libservin/registry"
	"github.com/spf13/cobra"
)

type transferOptions struct {
	authfile, caCert string
	tlsVerify        bool
	quiet            bool
}

// transfer moves one image between the store under --root and a registry
// with the same library and progress output as servin-image push/pull.
func (o *transferOptions) transfer(cmd *cobra.Command, push bool, local, remote string) error {
	if o.caCert != "" {
		return fmt.Errorf("--ca-cert is not supported for push/pull yet: add the CA to the system trust store, or use --tls-verify=false")
	}
	s, err := layout.Open(filepath.Join(servinRoot(cmd), store.ImagesDir))
	if err != nil {
		return err
	}
	opts := []transport.Option{
		transport.WithInsecure(!o.tlsVerify || isLoopback(remote)),
		transport.WithKeychain(registry.Keychain(o.authfile)),
		transport.WithProgress(progress.New(cmd.OutOrStdout(), o.quiet)),
	}
	if push {
		desc, err := transport.Push(cmd.Context(), s, local, remote, opts...)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "Digest: %s\nPushed: %s\n", desc.Digest, remote)
		return nil
	}
	if _, err := transport.Copy(cmd.Context(), "docker://"+remote, "servin:"+local, append(opts, transport.WithStore(s))...); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Pulled: %s as %s\n", remote, local)
	return nil
}

// isLoopback: a registry on this machine is reached over plain HTTP, as
// docker treats localhost registries as insecure by default.
func isLoopback(ref string) bool {
	host := ref
	if i := strings.IndexByte(host, '/'); i >= 0 {
		host = host[:i]
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

func newPushCmd() *cobra.Command {
	var o transferOptions
	cmd := &cobra.Command{
		Use:   "push IMAGE [REGISTRY]",
		Short: "Push an image from the local store to a registry ",
		Long: `Push IMAGE from servin's image store to REGISTRY (default: the local
servin-registry when it runs, else localhost:5000), keeping its repository
path and tag: "busybox:1.36" goes to REGISTRY/busybox:1.36.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			dest, err := registry.Retarget(args[0], defaultRegistry(cmd, args[1:]))
			if err != nil {
				return err
			}
			return o.transfer(cmd, true, args[0], dest)
		},
	}
	addClientFlags(cmd, &o.authfile, &o.caCert, &o.tlsVerify)
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "do not show progress")
	return cmd
}

func newPullCmd() *cobra.Command {
	var o transferOptions
	cmd := &cobra.Command{
		Use:   "pull IMAGE [REGISTRY]",
		Short: "Pull an image from a registry into the local store ",
		Long: `Pull REGISTRY/<path of IMAGE> (REGISTRY defaults to the local
servin-registry when it runs, else localhost:5000) into servin's image store
as IMAGE.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := registry.Retarget(args[0], defaultRegistry(cmd, args[1:]))
			if err != nil {
				return err
			}
			return o.transfer(cmd, false, args[0], src)
		},
	}
	addClientFlags(cmd, &o.authfile, &o.caCert, &o.tlsVerify)
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "do not show progress")
	return cmd
}

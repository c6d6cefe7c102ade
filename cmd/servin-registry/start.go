package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/servin/servin/libservin/registry"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

type startOptions struct {
	addr, config, tlsCert, tlsKey, htpasswd, logLevel string
	port                                              int
	detach, accessLog                                 bool
	timeout                                           time.Duration
}

func newStartCmd() *cobra.Command {
	var o startOptions
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Serve the OCI distribution API (foreground unless --detach)",
		Long: `Serve the OCI distribution API with storage under <root>/registry.

By default the server listens on 127.0.0.1:5000 and runs in the foreground;
--detach runs it in the background (pid and log file in <root>/registry)
and returns once it answers. --config takes a distribution configuration
file as it is (S3, GCS, Azure storage, token auth, ...).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("port") {
				o.port = -1
			}
			return runStart(cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1", "bind address (host or host:port)")
	f.IntVar(&o.port, "port", registry.DefaultPort, "port to listen on (0 picks a free one)")
	f.BoolVarP(&o.detach, "detach", "d", false, "run in the background and return once the server answers")
	f.StringVar(&o.config, "config", "", "distribution configuration file, used as it is")
	f.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate file (PEM)")
	f.StringVar(&o.tlsKey, "tls-key", "", "TLS key file (PEM)")
	f.StringVar(&o.htpasswd, "htpasswd", "", "htpasswd file (bcrypt) for basic authentication")
	f.StringVar(&o.logLevel, "log-level", "info", "log level: error, warn, info, debug")
	f.BoolVar(&o.accessLog, "access-log", false, "log every request")
	f.DurationVar(&o.timeout, "timeout", 30*time.Second, "with --detach, how long to wait for the server to answer")
	return cmd
}

func runStart(cmd *cobra.Command, o startOptions) error {
	dir := registryDir(cmd)
	if st, err := registry.Running(dir); err == nil {
		return fmt.Errorf("%w: pid %d on %s (servin-registry stop first)", registry.ErrRunning, st.PID, st.Addr)
	}
	cfg, err := startConfig(cmd, dir, o)
	if err != nil {
		return err
	}
	if o.detach {
		// fail here, clearly, on a busy port or a configuration the server would refuse
		if err := registry.CheckListen(cfg); err != nil {
			return err
		}
		return startDetached(cmd, dir, o)
	}
	unlock, err := registry.Lock(dir)
	if err != nil {
		return err
	}
	defer unlock()
	ctx := cmd.Context()
	srv, err := registry.New(ctx, cfg)
	if err != nil {
		return err
	}
	if err := srv.Listen(); err != nil {
		return err
	}
	st := registry.State{PID: os.Getpid(), Addr: srv.Addr().String(), TLS: srv.TLS(),
		Auth: cfg.Auth.Type(), Storage: cfg.Storage.Type(), Started: time.Now().UTC()}
	if err := registry.WriteState(dir, st); err != nil {
		return err
	}
	defer registry.RemoveState(dir, st.PID)
	fmt.Fprintf(cmd.ErrOrStderr(), "servin-registry: serving %s (storage %s, pid %d)\n", st.URL(), st.Storage, st.PID)
	err = srv.Serve(ctx)
	fmt.Fprintf(cmd.ErrOrStderr(), "servin-registry: stopped\n")
	return err
}

// startConfig builds the configuration from --config or the flags; with
// --config, only explicitly given --addr/--port override the file.
func startConfig(cmd *cobra.Command, dir string, o startOptions) (*configuration.Configuration, error) {
	if o.config != "" {
		if o.tlsCert != "" || o.htpasswd != "" {
			return nil, errors.New("--tls-cert and --htpasswd cannot be combined with --config: set them in the file")
		}
		cfg, err := registry.LoadConfig(o.config)
		if err != nil {
			return nil, err
		}
		if cmd.Flags().Changed("addr") || cmd.Flags().Changed("port") {
			cfg.HTTP.Addr = registry.ListenAddr(o.addr, o.port)
		}
		return cfg, nil
	}
	return registry.DefaultConfig(dir,
		registry.WithAddr(registry.ListenAddr(o.addr, o.port)),
		registry.WithTLS(o.tlsCert, o.tlsKey),
		registry.WithHtpasswd(o.htpasswd),
		registry.WithLogLevel(o.logLevel),
		registry.WithAccessLog(o.accessLog))
}

// startDetached re-runs this command without --detach in the background.
func startDetached(cmd *cobra.Command, dir string, o startOptions) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find servin-registry executable: %w", err)
	}
	args := []string{"--root", servinRoot(cmd), "start"}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if f.Name != "detach" && f.Name != "timeout" {
			args = append(args, "--"+f.Name+"="+f.Value.String())
		}
	})
	st, err := registry.Detach(cmd.Context(), dir, exe, args, o.timeout)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "servin-registry started: %s (pid %d, log %s)\n", st.URL(), st.PID, dir+string(os.PathSeparator)+registry.LogFileName)
	return nil
}

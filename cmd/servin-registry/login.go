package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/servin/servin/libservin/registry"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

type loginOptions struct {
	username, password, authfile, caCert string
	passwordStdin, tlsVerify             bool
}

func newLoginCmd() *cobra.Command {
	var o loginOptions
	cmd := &cobra.Command{
		Use:   "login [REGISTRY]",
		Short: "Log in to a registry (verified before the credentials are saved)",
		Long: `Log in to a registry. The credentials are checked against the registry
and then stored in a docker-compatible config.json (mode 0600): --authfile,
$REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json or ~/.docker/config.json.
REGISTRY defaults to the local servin-registry when it runs, else localhost:5000.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runLogin(cmd, args, o) },
	}
	f := cmd.Flags()
	f.StringVarP(&o.username, "username", "u", "", "username")
	f.StringVarP(&o.password, "password", "p", "", "password (visible to other users: prefer --password-stdin)")
	f.BoolVar(&o.passwordStdin, "password-stdin", false, "read the password from standard input")
	addClientFlags(cmd, &o.authfile, &o.caCert, &o.tlsVerify)
	return cmd
}

func addClientFlags(cmd *cobra.Command, authfile, caCert *string, tlsVerify *bool) {
	cmd.Flags().StringVar(authfile, "authfile", "", "credentials file (default $REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json, ~/.docker/config.json)")
	if caCert != nil {
		cmd.Flags().StringVar(caCert, "ca-cert", "", "PEM file of certificate authorities to trust")
		cmd.Flags().BoolVar(tlsVerify, "tls-verify", true, "verify the registry's TLS certificate")
	}
}

func runLogin(cmd *cobra.Command, args []string, o loginOptions) error {
	reg := defaultRegistry(cmd, args)
	if o.passwordStdin && o.password != "" {
		return errors.New("--password and --password-stdin cannot be used together")
	}
	in := cmd.InOrStdin()
	stdinTerm := isTerminal(in)
	if o.username == "" {
		if !stdinTerm || o.passwordStdin {
			return errors.New("no username: give -u/--username")
		}
		fmt.Fprint(cmd.ErrOrStderr(), "Username: ")
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read username: %w", err)
		}
		o.username = strings.TrimSpace(line)
	}
	switch {
	case o.passwordStdin:
		data, err := io.ReadAll(in)
		if err != nil {
			return fmt.Errorf("read password from stdin: %w", err)
		}
		o.password = strings.TrimRight(string(data), "\r\n")
	case o.password != "":
		fmt.Fprintln(cmd.ErrOrStderr(), "servin-registry: warning: --password is visible to other users; use --password-stdin")
	case stdinTerm:
		fmt.Fprint(cmd.ErrOrStderr(), "Password: ")
		data, err := term.ReadPassword(int(in.(*os.File).Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return fmt.Errorf("read password: %w", err)
		}
		o.password = string(data)
	default:
		return errors.New("no password: give --password-stdin (or -p) when standard input is not a terminal")
	}
	if o.username == "" || o.password == "" {
		return errors.New("username and password must not be empty")
	}
	cred := registry.Credentials{Username: o.username, Password: o.password}
	copts := registry.ClientOptions{Insecure: !o.tlsVerify, CACert: o.caCert}
	if err := registry.CheckLogin(cmd.Context(), reg, cred, copts); err != nil {
		return err
	}
	file := registry.AuthFile(o.authfile)
	if err := registry.SaveLogin(file, reg, cred); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Login Succeeded: %s (credentials in %s)\n", registry.NormalizeRegistry(reg), file)
	return nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// defaultRegistry is the registry argument, else the running local
// server, else localhost:5000.
func defaultRegistry(cmd *cobra.Command, args []string) string {
	if len(args) > 0 && args[0] != "" {
		return args[0]
	}
	if st, err := registry.Running(registryDir(cmd)); err == nil && st.Addr != "" {
		return st.HostPort()
	}
	return fmt.Sprintf("localhost:%d", registry.DefaultPort)
}

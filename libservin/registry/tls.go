package registry

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"

	"github.com/distribution/distribution/v3/configuration"
	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

var tlsVersions = map[string]uint16{
	"":       tls.VersionTLS12,
	"tls1.2": tls.VersionTLS12,
	"tls1.3": tls.VersionTLS13,
}

var clientAuthModes = map[configuration.ClientAuth]tls.ClientAuthType{
	"": tls.RequireAndVerifyClientCert,
	configuration.ClientAuthRequestClientCert:          tls.RequestClientCert,
	configuration.ClientAuthRequireAnyClientCert:       tls.RequireAnyClientCert,
	configuration.ClientAuthVerifyClientCertIfGiven:    tls.VerifyClientCertIfGiven,
	configuration.ClientAuthRequireAndVerifyClientCert: tls.RequireAndVerifyClientCert,
}

// tlsConfig turns the http.tls section into a tls.Config; nil means plain
// HTTP. It covers a certificate and key, Let's Encrypt, the minimum version
// and client certificate authentication, as distribution's server does.
func tlsConfig(cfg *configuration.Configuration) (*tls.Config, error) {
	t := cfg.HTTP.TLS
	if t.Certificate == "" && t.LetsEncrypt.CacheFile == "" {
		return nil, nil
	}
	minVersion, ok := tlsVersions[t.MinimumTLS]
	if !ok {
		return nil, fmt.Errorf("%w: unknown minimum TLS version %q", ErrInvalidConfig, t.MinimumTLS)
	}
	conf := &tls.Config{MinVersion: minVersion, NextProtos: []string{"h2", "http/1.1"}}
	if cfg.HTTP.HTTP2.Disabled {
		conf.NextProtos = []string{"http/1.1"}
	}
	switch {
	case t.Certificate != "" && t.LetsEncrypt.CacheFile != "":
		return nil, fmt.Errorf("%w: both a TLS certificate and Let's Encrypt are configured", ErrInvalidConfig)
	case t.Certificate != "":
		cert, err := tls.LoadX509KeyPair(t.Certificate, t.Key)
		if err != nil {
			return nil, fmt.Errorf("load TLS certificate %s: %w", t.Certificate, err)
		}
		conf.Certificates = []tls.Certificate{cert}
	default:
		m := &autocert.Manager{
			HostPolicy: autocert.HostWhitelist(t.LetsEncrypt.Hosts...),
			Cache:      autocert.DirCache(t.LetsEncrypt.CacheFile),
			Email:      t.LetsEncrypt.Email,
			Prompt:     autocert.AcceptTOS,
		}
		if t.LetsEncrypt.DirectoryURL != "" {
			m.Client = &acme.Client{DirectoryURL: t.LetsEncrypt.DirectoryURL}
		}
		conf.GetCertificate = m.GetCertificate
		conf.NextProtos = append(conf.NextProtos, acme.ALPNProto)
	}
	if len(t.ClientCAs) > 0 {
		pool := x509.NewCertPool()
		for _, ca := range t.ClientCAs {
			pem, err := os.ReadFile(ca)
			if err != nil {
				return nil, fmt.Errorf("read client CA %s: %w", ca, err)
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("%w: no certificate in client CA %s", ErrInvalidConfig, ca)
			}
		}
		mode, ok := clientAuthModes[t.ClientAuth]
		if !ok {
			return nil, fmt.Errorf("%w: unknown client auth mode %q", ErrInvalidConfig, t.ClientAuth)
		}
		conf.ClientCAs, conf.ClientAuth = pool, mode
	}
	return conf, nil
}

func newTLSListener(ln net.Listener, conf *tls.Config) net.Listener { return tls.NewListener(ln, conf) }

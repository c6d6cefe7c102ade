package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	gorhandlers "github.com/gorilla/handlers"
	"github.com/sirupsen/logrus"
)

// Server is an embedded distribution registry with servin's additions
// (referrers API, OCI-Subject header, sha512 blobs) around its handler.
type Server struct {
	cfg     *configuration.Configuration
	app     *handlers.App
	handler http.Handler
	srv     *http.Server
	ln      net.Listener
	tls     bool

	once sync.Once
}

func init() {
	// distribution v3 exports traces to localhost:4318 unless told not to;
	// servin never wants telemetry leaving the process.
	if os.Getenv("OTEL_TRACES_EXPORTER") == "" {
		_ = os.Setenv("OTEL_TRACES_EXPORTER", "none")
	}
}

// New creates the registry application for cfg. It does not listen yet.
// Several servers may live in one process (distribution's global health
// checks are not registered).
func New(ctx context.Context, cfg *configuration.Configuration) (s *Server, err error) {
	if err := configureLogging(cfg); err != nil {
		return nil, err
	}
	if cfg.HTTP.DrainTimeout == 0 {
		cfg.HTTP.DrainTimeout = drainTimeout
	}
	// distribution reports configuration errors by panicking.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%w: %v", ErrInvalidConfig, r)
		}
	}()
	ext := newExtensions(cfg)
	app := handlers.NewApp(ctx, cfg)
	if err := ext.ready(); err != nil {
		_ = app.Shutdown()
		return nil, err
	}
	var h http.Handler = ext.wrap(app)
	h = alive(h)
	if !cfg.Log.AccessLog.Disabled {
		h = gorhandlers.CombinedLoggingHandler(logrus.StandardLogger().Out, h)
	}
	s = &Server{cfg: cfg, app: app, handler: h}
	s.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 30 * time.Second,
		Protocols:         serverProtocols(cfg),
	}
	return s, nil
}

// Handler returns the HTTP handler, for serving it on a listener of one's own.
func (s *Server) Handler() http.Handler { return s.handler }

// Listen binds the configured address. A busy address gives ErrAddrInUse.
func (s *Server) Listen() error {
	ln, err := listen(s.cfg)
	if err != nil {
		return err
	}
	tlsConf, err := tlsConfig(s.cfg)
	if err != nil {
		ln.Close()
		return err
	}
	if tlsConf != nil {
		s.tls = true
		ln = newTLSListener(ln, tlsConf)
	}
	s.ln = ln
	return nil
}

func listen(cfg *configuration.Configuration) (net.Listener, error) {
	network := cfg.HTTP.Net
	if network == "" {
		network = "tcp"
	}
	ln, err := net.Listen(network, cfg.HTTP.Addr)
	if err != nil {
		if addrInUse(err) {
			return nil, fmt.Errorf("listen on %s: %w (is another registry running?)", cfg.HTTP.Addr, ErrAddrInUse)
		}
		return nil, fmt.Errorf("listen on %s: %w", cfg.HTTP.Addr, err)
	}
	return ln, nil
}

// CheckListen tells whether the address cfg listens on is free, by binding
// and releasing it, so a background start can fail at once and clearly.
func CheckListen(cfg *configuration.Configuration) error {
	ln, err := listen(cfg)
	if err != nil {
		return err
	}
	return ln.Close()
}

// Addr returns the bound address; nil before Listen.
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// TLS reports whether the server speaks HTTPS.
func (s *Server) TLS() bool { return s.tls }

// Serve answers requests until ctx is cancelled, then stops accepting,
// waits up to the drain timeout for requests in flight and closes the
// application. It calls Listen first when that was not done.
func (s *Server) Serve(ctx context.Context) error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		s.close()
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve registry: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.HTTP.DrainTimeout)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	s.close()
	if err != nil {
		return fmt.Errorf("drain registry connections: %w", err)
	}
	return nil
}

func (s *Server) close() {
	s.once.Do(func() { _ = s.app.Shutdown() })
}

// alive answers "/" with 200, as distribution's own server does, so load
// balancers and waiters can probe the server without touching the API.
func alive(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.Header().Set("Cache-Control", "no-cache")
			w.WriteHeader(http.StatusOK)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func serverProtocols(cfg *configuration.Configuration) *http.Protocols {
	if !cfg.HTTP.H2C.Enabled {
		return nil
	}
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetHTTP2(!cfg.HTTP.HTTP2.Disabled)
	p.SetUnencryptedHTTP2(true)
	return p
}

func configureLogging(cfg *configuration.Configuration) error {
	lvl, err := logrus.ParseLevel(string(cfg.Log.Level))
	if err != nil {
		lvl = logrus.InfoLevel
	}
	logrus.SetLevel(lvl)
	switch cfg.Log.Formatter {
	case "", "text":
		logrus.SetFormatter(&logrus.TextFormatter{TimestampFormat: time.RFC3339Nano})
	case "json", "logstash":
		logrus.SetFormatter(&logrus.JSONFormatter{TimestampFormat: time.RFC3339Nano})
	default:
		return fmt.Errorf("%w: unsupported log formatter %q", ErrInvalidConfig, cfg.Log.Formatter)
	}
	return nil
}

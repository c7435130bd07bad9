// Package jobs carries egress jobs over NATS JetStream. This file starts
// the embedded NATS server used by the all-in-one default run.
package jobs

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// ErrNATSUnavailable is returned when no NATS server can be reached.
var ErrNATSUnavailable = errors.New("nats unavailable")

// Embedded is an in-process NATS server with JetStream.
type Embedded struct {
	srv *server.Server
}

// MaxPayload is the largest message of the NATS servers roomcast starts:
// a job's record carries its spec, whose branding pictures (PNGs up to
// 1 MB each, base64) pass NATS's 1 MB default. An external NATS needs
// max_payload set as high for such jobs.
const MaxPayload = 8 << 20

// StartEmbedded starts a JetStream-enabled NATS server storing under dir.
// It accepts in-process connections only (no TCP listener).
func StartEmbedded(dir string, ready time.Duration) (*Embedded, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("nats store %s: %w", dir, err)
	}
	srv, err := server.NewServer(&server.Options{
		ServerName: "roomcast-embedded",
		JetStream:  true,
		StoreDir:   dir,
		DontListen: true,
		NoSigs:     true,
		MaxPayload: MaxPayload,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(ready) {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded nats not ready after %s: %w", ready, ErrNATSUnavailable)
	}
	return &Embedded{srv: srv}, nil
}

// Connect opens an in-process client connection.
func (e *Embedded) Connect(name string) (*nats.Conn, error) {
	nc, err := nats.Connect("", nats.InProcessServer(e.srv), nats.Name(name))
	if err != nil {
		return nil, fmt.Errorf("connect embedded nats: %w", err)
	}
	return nc, nil
}

// Close shuts the server down and waits for it.
func (e *Embedded) Close() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

// Dial connects to an external NATS server, failing fast when it is down.
func Dial(url, name string) (*nats.Conn, error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.Timeout(5*time.Second),
		nats.MaxReconnects(-1), nats.ReconnectWait(time.Second))
	if err != nil {
		return nil, fmt.Errorf("connect nats %s: %w: %w", redactURL(url), ErrNATSUnavailable, err)
	}
	return nc, nil
}

// Server is a standalone NATS server with JetStream listening on TCP.
type Server struct {
	srv *server.Server
}

// StartServer starts a JetStream-enabled NATS server on addr
// (host:port; port 0 picks one) storing under dir.
func StartServer(addr, dir string, ready time.Duration) (*Server, error) {
	host, port, err := splitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("nats store %s: %w", dir, err)
	}
	srv, err := server.NewServer(&server.Options{
		ServerName: "roomcast-nats", JetStream: true, StoreDir: dir,
		Host: host, Port: port, NoSigs: true, MaxPayload: MaxPayload,
	})
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(ready) {
		srv.Shutdown()
		return nil, fmt.Errorf("nats server on %s not ready after %s: %w", addr, ready, ErrNATSUnavailable)
	}
	return &Server{srv: srv}, nil
}

// URL is the server's client URL.
func (s *Server) URL() string { return s.srv.ClientURL() }

// Close shuts the server down and waits for it.
func (s *Server) Close() {
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("nats listen address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("nats listen address %q: bad port", addr)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	return host, port, nil
}

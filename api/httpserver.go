package api

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/roomcast/roomcast/configs"
)

// NewHTTPServer returns an HTTP server for h with the timeouts of cfg
// (server: in the config). A request's headers must arrive within
// ReadHeaderTimeout and the whole request within ReadTimeout, so slow
// clients cannot hold connections open; a response must be written
// within WriteTimeout, except downloads, whose handlers move their own
// write deadline on as they progress (streamWrites).
func NewHTTPServer(h http.Handler, cfg configs.ServerCfg) *http.Server {
	stream := cfg.StreamWriteTimeout
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		BaseContext: func(net.Listener) context.Context {
			return context.WithValue(context.Background(), streamTimeoutKey{}, stream)
		},
	}
}

// streamTimeoutKey carries server.stream_write_timeout to handlers.
type streamTimeoutKey struct{}

// streamWrites returns w for a download: each write must finish within
// server.stream_write_timeout, and the deadline moves on with every
// write, replacing the server's WriteTimeout, so a long download is not
// cut while it progresses and a stalled one is. Outside NewHTTPServer it
// returns w unchanged.
func streamWrites(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	d, ok := r.Context().Value(streamTimeoutKey{}).(time.Duration)
	if !ok || d <= 0 {
		return w
	}
	sw := &streamWriter{ResponseWriter: w, rc: http.NewResponseController(w), timeout: d}
	sw.extend()
	return sw
}

// streamWriter is a ResponseWriter whose write deadline follows its
// writes.
type streamWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (s *streamWriter) extend() { _ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout)) }

func (s *streamWriter) WriteHeader(code int) {
	s.extend()
	s.ResponseWriter.WriteHeader(code)
}

func (s *streamWriter) Write(p []byte) (int, error) {
	s.extend()
	return s.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *streamWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

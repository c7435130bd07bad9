package configs

import (
	"fmt"
	"time"
)

// minServerTimeout is the shortest HTTP timeout accepted: shorter ones
// cut ordinary requests on a loaded host.
const minServerTimeout = 100 * time.Millisecond

func (c *Config) validateServer() error {
	s := c.Server
	for _, d := range []struct {
		field string
		v     time.Duration
	}{
		{"server.shutdown_timeout", s.ShutdownTimeout},
		{"server.read_header_timeout", s.ReadHeaderTimeout},
		{"server.read_timeout", s.ReadTimeout},
		{"server.write_timeout", s.WriteTimeout},
		{"server.stream_write_timeout", s.StreamWriteTimeout},
		{"server.idle_timeout", s.IdleTimeout},
	} {
		if d.v < minServerTimeout {
			return &FieldError{d.field, fmt.Sprintf("must be at least %v, got %v", minServerTimeout, d.v)}
		}
	}
	if s.ReadHeaderTimeout > s.ReadTimeout {
		return &FieldError{"server.read_header_timeout", "must not exceed server.read_timeout, which bounds the whole request"}
	}
	if s.MaxConnsPerIP < 0 {
		return &FieldError{"server.max_conns_per_ip", "must not be negative (0: no cap)"}
	}
	return nil
}

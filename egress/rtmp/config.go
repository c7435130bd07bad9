package rtmp

import (
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/roomcast/roomcast/egress/outbound"
	"github.com/roomcast/roomcast/pipeline/media"
)

// Config configures one output. Zero durations take the defaults.
type Config struct {
	Target Target
	// DialTimeout bounds the TCP connect (default 5s).
	DialTimeout time.Duration
	// HandshakeTimeout bounds each of: the TLS handshake, the RTMP
	// handshake, and the connect…publish exchange up to
	// NetStream.Publish.Start (default 5s).
	HandshakeTimeout time.Duration
	// WriteTimeout is the deadline set before every network write (default 5s).
	WriteTimeout time.Duration
	// StallTimeout fails the output when units are waiting but the bytes
	// written have not grown for this long (default 10s). It is also the
	// read deadline while publishing; a read that times out then is not an
	// error, since servers rarely talk to a publisher.
	StallTimeout time.Duration
	// DrainTimeout bounds the wait for the end of the current GOP once ctx
	// is done (default 2s; negative: stop at once).
	DrainTimeout time.Duration
	// TLSConfig is cloned for rtmps; ServerName defaults to the target host.
	// Tests inject RootCAs here.
	TLSConfig *tls.Config
	// Outbound checks the address the TCP connection is made to, after
	// name resolution; nil refuses the default blocks (loopback,
	// private, link-local, …: see egress/outbound). A refusal ends Run
	// with an error that errors.Is(err, outbound.ErrRefused).
	Outbound *outbound.Policy
	Logger   *slog.Logger
	// Chunks serialises units into RTMP chunks once for all the outputs
	// that share it: give every output of a job the same one (nil: the
	// output gets its own).
	Chunks *SharedChunks
	// Group, when set, writes this output together with the others of
	// its fan-out, in the goroutine that writes the fan-out, while it
	// keeps up (WriteGroup); its Source must then be a pipeline/fanout
	// Reader.
	Group *WriteGroup
	// ObserveLatency, when set, receives every unit written that came
	// from the network (or was made from units that did: Unit.Arrival)
	// and the time from its RTP arrival to the RTMP write.
	ObserveLatency func(*media.Unit, time.Duration)
}

// privateSharedUnits is the size of an output's own SharedChunks: it
// only needs the unit being written.
const privateSharedUnits = 4

// Defaults.
const (
	DefaultDialTimeout      = 5 * time.Second
	DefaultHandshakeTimeout = 5 * time.Second
	DefaultWriteTimeout     = 5 * time.Second
	DefaultStallTimeout     = 10 * time.Second
	DefaultDrainTimeout     = 2 * time.Second
)

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Chunks == nil {
		c.Chunks = NewSharedChunks(privateSharedUnits)
	}
	def(&c.DialTimeout, DefaultDialTimeout)
	def(&c.HandshakeTimeout, DefaultHandshakeTimeout)
	def(&c.WriteTimeout, DefaultWriteTimeout)
	def(&c.StallTimeout, DefaultStallTimeout)
	if c.DrainTimeout == 0 {
		c.DrainTimeout = DefaultDrainTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

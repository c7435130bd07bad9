package api

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// refusalLogEvery is the least time between two logs of refused
// connections: a flood must not flood the log too.
const refusalLogEvery = 10 * time.Second

// LimitConnsPerIP wraps ln so that one client IP address holds at most
// max open connections (0: ln as is). A connection beyond that is closed
// at once with a TCP reset, before any byte is read or written: no
// goroutine, buffer or deadline is spent on it. Refusals are counted in
// roomcast_http_connections_refused_total (registered on reg, if not nil)
// and logged at most every 10 s.
func LimitConnsPerIP(ln net.Listener, max int, reg prometheus.Registerer, log *slog.Logger) (net.Listener, error) {
	if max <= 0 {
		return ln, nil
	}
	refused := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "roomcast_http_connections_refused_total",
		Help: "HTTP connections closed at accept because their client address had server.max_conns_per_ip open.",
	})
	if reg != nil {
		if err := reg.Register(refused); err != nil {
			return nil, fmt.Errorf("connection limit metric: %w", err)
		}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &ipLimitListener{Listener: ln, max: max, open: map[netip.Addr]int{}, refused: refused, log: log}, nil
}

// ipLimitListener counts the open connections of each client address.
type ipLimitListener struct {
	net.Listener
	max     int
	refused prometheus.Counter
	log     *slog.Logger

	mu       sync.Mutex
	open     map[netip.Addr]int
	unlogged int // refusals since the last log
	lastLog  time.Time
}

// Accept returns the next connection within its address's cap, closing
// the ones beyond it.
func (l *ipLimitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := clientIP(c)
		if l.acquire(ip) {
			return &limitedConn{Conn: c, release: func() { l.release(ip) }}, nil
		}
		l.refuse(c, ip)
	}
}

func clientIP(c net.Conn) netip.Addr {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr().Unmap()
	}
	return netip.Addr{} // not TCP: one shared count
}

func (l *ipLimitListener) acquire(ip netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip] >= l.max {
		return false
	}
	l.open[ip]++
	return true
}

func (l *ipLimitListener) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

// refuse counts c, then resets it: SO_LINGER 0 makes Close send RST
// and keep no TIME_WAIT state.
func (l *ipLimitListener) refuse(c net.Conn, ip netip.Addr) {
	l.refused.Inc()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
	l.mu.Lock()
	l.unlogged++
	now := time.Now()
	if now.Sub(l.lastLog) < refusalLogEvery {
		l.mu.Unlock()
		return
	}
	n := l.unlogged
	l.unlogged, l.lastLog = 0, now
	l.mu.Unlock()
	l.log.Warn("http: closed connections over the per-address cap (server.max_conns_per_ip)",
		"client", ip.String(), "cap", l.max, "closed", n)
}

// limitedConn gives its address's slot back once, on its first Close.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// unlimit gives the connection's slot back now: it no longer counts
// against its address's cap. Close then gives nothing back.
func (c *limitedConn) unlimit() { c.once.Do(c.release) }

// unlimit takes a hijacked connection (or the TCP connection under a TLS
// one) out of its address's count (LimitConnsPerIP). A relay connection
// is authenticated and lives as long as a job: a worker holds one per job,
// more than the cap allows for anonymous clients.
func unlimit(c net.Conn) {
	if t, ok := c.(*tls.Conn); ok {
		c = t.NetConn()
	}
	if l, ok := c.(*limitedConn); ok {
		l.unlimit()
	}
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

package webhook

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/roomcast/roomcast/egress/outbound"
)

// Config defaults.
const (
	DefaultTimeout = 10 * time.Second
	// DefaultMinBackoff, DefaultMaxBackoff and DefaultMaxAttempts try an
	// event 10 times over about 51 minutes (pauses 10 s, 20 s … 640 s,
	// 900 s, 900 s) before it is parked.
	DefaultMinBackoff  = 10 * time.Second
	DefaultMaxBackoff  = 15 * time.Minute
	DefaultMaxAttempts = 10
)

// ErrInvalidConfig is returned by NewDispatcher for a bad Config.
var ErrInvalidConfig = errors.New("invalid webhook config")

// defaultRefresh is Config.Refresh's default.
const defaultRefresh = 2 * time.Second

// Config configures a Dispatcher.
type Config struct {
	URL    string // the global endpoint (http or https), for every tenant; "" : none
	Secret string // its HMAC key; never logged
	// Endpoints lists the tenants' own endpoints; nil: none.
	Endpoints Endpoints
	// MaxAttempts is how many times an event is tried before it is
	// parked (default 10).
	MaxAttempts int
	Timeout     time.Duration // per attempt, default 10 s
	MinBackoff  time.Duration // first retry pause, default 10 s
	MaxBackoff  time.Duration // retry pause cap, default 15 min
	// Client posts the events; default: one that follows no redirect and
	// connects only where Outbound allows.
	Client *http.Client
	// Outbound checks the address of each connection of the default
	// Client (nil: the default refusals, loopback and private networks
	// among them; see egress/outbound).
	Outbound *outbound.Policy
	// Refresh is how often a running Dispatcher lists Endpoints again,
	// for tenants whose webhook settings changed (default 2 s).
	Refresh time.Duration
	Logger  *slog.Logger     // optional; default discards
	Now     func() time.Time // optional clock for signature timestamps
}

// withDefaults validates c and fills in the zero fields.
func (c Config) withDefaults() (Config, error) {
	if c.URL == "" && c.Endpoints == nil {
		return c, fmt.Errorf("%w: no URL and no Endpoints", ErrInvalidConfig)
	}
	if c.URL != "" {
		if _, err := (Endpoint{URL: c.URL, Secret: c.Secret}).check(); err != nil {
			return c, err
		}
	}
	if c.Timeout < 0 || c.MinBackoff < 0 || c.MaxBackoff < 0 || c.MaxAttempts < 0 {
		return c, fmt.Errorf("%w: Timeout, MinBackoff, MaxBackoff and MaxAttempts must not be negative", ErrInvalidConfig)
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	c.Timeout = orDefault(c.Timeout, DefaultTimeout)
	c.Refresh = orDefault(c.Refresh, defaultRefresh)
	c.MinBackoff = orDefault(c.MinBackoff, DefaultMinBackoff)
	c.MaxBackoff = orDefault(c.MaxBackoff, DefaultMaxBackoff)
	if c.MinBackoff > c.MaxBackoff {
		return c, fmt.Errorf("%w: MinBackoff %s > MaxBackoff %s", ErrInvalidConfig, c.MinBackoff, c.MaxBackoff)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// parseEndpoint accepts absolute http(s) URLs with a host.
func parseEndpoint(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: URL does not parse", ErrInvalidConfig)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: URL scheme %q is not http or https", ErrInvalidConfig, u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%w: URL has no host", ErrInvalidConfig)
	}
	return u, nil
}

// redactEndpoint is the loggable form of u: no userinfo, query or fragment.
func redactEndpoint(u *url.URL) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return r.String()
}

// defaultClient does not follow redirects: a 3xx is a failed delivery,
// so a signed POST is never replayed to another host or turned into GET.
// It connects through policy's Control, at connect time, to the
// endpoint itself: no proxy from the environment, whose address the
// policy would check instead of the endpoint's.
func defaultClient(policy *outbound.Policy) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = policy.Dialer(net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

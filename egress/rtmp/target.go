package rtmp

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Default ports of the two schemes.
const (
	DefaultPort    = 1935
	DefaultTLSPort = 443
)

// Target is a parsed rtmp:// or rtmps:// URL. The stream key (the last path
// element and any query) is secret: it is kept unexported, and every
// formatting of a Target (String, GoString, LogValue) is the Redacted form.
type Target struct {
	TLS  bool   // rtmps
	Host string // host name or IP, without brackets
	Port int
	App  string // the RTMP application, one path element (a query is allowed)
	key  string
}

// ParseTarget parses rtmp://host[:port]/app/key and rtmps://… URLs.
//
// The key is the last path element plus any query ("key?token=…"). When the
// query starts before the last slash ("live2?backup=1/key", a form YouTube
// documents), the query belongs to the application. Errors never quote the
// URL, since it carries the key.
func ParseTarget(raw string) (Target, error) {
	var t Target
	if strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return t, errors.New("rtmp url: contains spaces or control characters")
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	switch strings.ToLower(scheme) {
	case "rtmp":
	case "rtmps":
		t.TLS = true
	default:
		if !ok {
			return t, errors.New("rtmp url: want rtmp://host/app/key or rtmps://host/app/key")
		}
		return t, fmt.Errorf("rtmp url: unsupported scheme %q (want rtmp or rtmps)", truncate(scheme, 16))
	}
	hostport, pathq, _ := strings.Cut(rest, "/")
	if err := t.setHostPort(hostport); err != nil {
		return Target{}, err
	}
	if err := t.setAppKey(pathq); err != nil {
		return Target{}, err
	}
	return t, nil
}

func (t *Target) setHostPort(hostport string) error {
	if strings.ContainsAny(hostport, "@?#") {
		return errors.New("rtmp url: credentials or a query in the host part are not supported")
	}
	host, port := hostport, ""
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host, port = h, p
	} else if strings.HasPrefix(hostport, "[") && strings.HasSuffix(hostport, "]") {
		host = hostport[1 : len(hostport)-1]
	}
	if host == "" || strings.ContainsAny(host, "[]/") {
		return errors.New("rtmp url: missing or malformed host")
	}
	t.Host, t.Port = host, DefaultPort
	if t.TLS {
		t.Port = DefaultTLSPort
	}
	if port == "" {
		return nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return errors.New("rtmp url: malformed port")
	}
	t.Port = n
	return nil
}

func (t *Target) setAppKey(pathq string) error {
	pathPart, _, _ := strings.Cut(pathq, "?")
	i := strings.LastIndexByte(pathPart, '/')
	if i < 0 {
		// No slash before the query: the query belongs to the app.
		i = strings.LastIndexByte(pathq, '/')
	}
	if i < 0 {
		if pathq == "" {
			return errors.New("rtmp url: missing application and stream key")
		}
		return errors.New("rtmp url: missing stream key (want …/app/key)")
	}
	t.App, t.key = pathq[:i], pathq[i+1:]
	switch {
	case t.App == "" || strings.HasPrefix(t.App, "?"):
		return errors.New("rtmp url: missing application")
	case strings.Contains(t.App, "/"):
		// gomedia's client sends the first path element as the app and the
		// rest as the stream name, so a nested app would publish elsewhere.
		return errors.New("rtmp url: the application must be a single path element")
	case t.key == "" || strings.HasPrefix(t.key, "?"):
		return errors.New("rtmp url: missing stream key")
	}
	return nil
}

// Redacted is the URL with the key replaced by ****, e.g.
// rtmps://live-api-s.facebook.com:443/rtmp/****. It is the only form that
// may be logged or returned.
func (t Target) Redacted() string {
	if t.Host == "" {
		return "rtmp://(invalid)"
	}
	return t.scheme() + "://" + net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) + "/" + t.App + "/****"
}

func (t Target) scheme() string {
	if t.TLS {
		return "rtmps"
	}
	return "rtmp"
}

// Address is host:port for dialling.
func (t Target) Address() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// String returns Redacted, so %v and %s never print the key.
func (t Target) String() string { return t.Redacted() }

// GoString returns Redacted too, for %#v.
func (t Target) GoString() string { return strconv.Quote(t.Redacted()) }

// LogValue makes slog print the Redacted form.
func (t Target) LogValue() slog.Value { return slog.StringValue(t.Redacted()) }

// clientURL is the URL handed to gomedia's client, which only knows
// rtmp:// (its tcUrl therefore says rtmp:// for rtmps targets as well).
func (t Target) clientURL() string {
	return "rtmp://" + t.Address() + "/" + t.App + "/" + t.key
}

// scrub removes the key (and its path part) from text a server sent, so
// that a server echoing the stream name cannot leak it into errors or logs.
func (t Target) scrub(s string) string {
	if t.key != "" {
		s = strings.ReplaceAll(s, t.key, "****")
		if name, _, _ := strings.Cut(t.key, "?"); name != "" {
			s = strings.ReplaceAll(s, name, "****")
		}
	}
	return truncate(strings.Map(printable, s), 160)
}

func printable(r rune) rune {
	if r < ' ' || r == 0x7f || r == 0xfffd {
		return -1
	}
	return r
}

// truncate shortens s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// DefaultUserAgent is sent unless WithUserAgent says otherwise.
const DefaultUserAgent = "roomcast-go-client"

// maxAnswerBytes bounds a JSON answer read into memory.
const maxAnswerBytes = 64 << 20

// Client calls one roomcast server. It is safe for concurrent use.
type Client struct {
	base *url.URL
	key  string
	hc   *http.Client
	ua   string
}

// Option sets up a Client.
type Option func(*Client)

// WithKey authenticates every call with key (an API key, or an admin
// key for the tenant routes), sent as a bearer token.
func WithKey(key string) Option { return func(c *Client) { c.key = key } }

// WithHTTPClient sends requests through hc (default http.DefaultClient).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.ua = ua } }

// ErrBadKey is returned by New for a key that cannot be sent in a header.
var ErrBadKey = errors.New("client: API key holds characters a header cannot carry")

// New returns a client of the server at baseURL (http or https, say
// "http://127.0.0.1:8080").
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("client: server URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: server URL %q: want http://host[:port] or https://…", u.Redacted())
	}
	c := &Client{base: u, hc: http.DefaultClient, ua: DefaultUserAgent}
	for _, o := range opts {
		o(c)
	}
	if !headerSafe(c.key) {
		return nil, ErrBadKey
	}
	return c, nil
}

// headerSafe reports whether s is visible ASCII only.
func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// BaseURL is the server's URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// URL resolves a path on the server (such as a recording's playlist_url)
// to an absolute URL.
func (c *Client) URL(path string) string {
	ref, err := url.Parse(path)
	if err != nil {
		return c.base.String() + path
	}
	return c.base.ResolveReference(ref).String()
}

// endpoint is the URL of the API path made of segments, each escaped.
func (c *Client) endpoint(query url.Values, segments ...string) string {
	var b strings.Builder
	b.WriteString(c.base.String())
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(escapeSegment(s))
	}
	if len(query) > 0 {
		b.WriteByte('?')
		b.WriteString(query.Encode())
	}
	return b.String()
}

// escapeSegment escapes one path segment; "." and ".." are escaped too,
// so that an id cannot walk up the path.
func escapeSegment(s string) string {
	if s == "." || s == ".." {
		return strings.ReplaceAll(s, ".", "%2E")
	}
	return url.PathEscape(s)
}

// send makes one request with an optional JSON body and returns the
// answer of a 2xx; any other status is an *APIError.
func (c *Client) send(ctx context.Context, method, target string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encode body: %w", method, c.pathOf(target), err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, c.pathOf(target), err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, c.pathOf(target), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		return nil, readAPIError(resp)
	}
	return resp, nil
}

// pathOf is target without the server and query, for error messages.
func (c *Client) pathOf(target string) string {
	p := strings.TrimPrefix(target, c.base.String())
	p, _, _ = strings.Cut(p, "?")
	return p
}

// call makes one request and decodes its JSON answer into out (nil:
// the answer is read and dropped).
func (c *Client) call(ctx context.Context, method, target string, body, out any) error {
	resp, err := c.send(ctx, method, target, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAnswerBytes)).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, c.pathOf(target), err)
	}
	return nil
}

// do makes one request and returns its JSON answer as a T.
func do[T any](ctx context.Context, c *Client, method, target string, body any) (T, error) {
	var out T
	err := c.call(ctx, method, target, body, &out)
	return out, err
}

// list reads a listing's answer {"<field>":[…]}.
func list[T any](ctx context.Context, c *Client, target, field string) ([]T, error) {
	obj, err := do[map[string]json.RawMessage](ctx, c, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	var out []T
	if raw, ok := obj[field]; ok {
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, fmt.Errorf("GET %s: decode %s: %w", c.pathOf(target), field, err)
		}
	}
	return out, nil
}

package synth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// WHIP request limits.
const (
	whipPostTimeout   = 10 * time.Second
	whipDeleteTimeout = 5 * time.Second
	maxWHIPBody       = 1 << 20
)

// whipClient speaks the WHIP protocol (RFC 9725) to one room endpoint.
type whipClient struct {
	http     *http.Client
	token    string
	endpoint *url.URL // {Server}/v1/rooms/{Room}/whip?name={Name}
}

// whipSession is a published WHIP resource.
type whipSession struct {
	answer   string
	location *url.URL
}

// newWHIPClient builds the endpoint URL from the server base URL.
func newWHIPClient(hc *http.Client, server, token, room, name string) (*whipClient, error) {
	raw := strings.TrimRight(server, "/") + "/v1/rooms/" + url.PathEscape(room) + "/whip?name=" + url.QueryEscape(name)
	ep, err := url.Parse(raw)
	if err != nil {
		// err would repeat the URL unredacted.
		return nil, fmt.Errorf("whip endpoint for %s: invalid URL", redactURL(server))
	}
	return &whipClient{http: hc, token: token, endpoint: ep}, nil
}

// publish POSTs the SDP offer and returns the answer and the resource URL
// (RFC 9725 section 4.2).
func (w *whipClient) publish(ctx context.Context, offer string) (*whipSession, error) {
	ctx, cancel := context.WithTimeout(ctx, whipPostTimeout)
	defer cancel()
	req, err := w.request(ctx, http.MethodPost, w.endpoint, strings.NewReader(offer))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/sdp")
	resp, err := w.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("whip publish to %s: %w", w.endpoint.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxWHIPBody))
	if err != nil {
		return nil, fmt.Errorf("whip publish: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusCreated {
		return nil, newStatusError("publish", resp.StatusCode, body)
	}
	return w.session(resp, body)
}

// session checks a 201 response and resolves its Location against the
// request URL (RFC 9110 section 10.2.2).
func (w *whipClient) session(resp *http.Response, body []byte) (*whipSession, error) {
	if len(body) == 0 {
		return nil, errors.New("whip publish: 201 without an SDP answer")
	}
	loc, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("whip publish: 201 without a usable Location: %w", err)
	}
	return &whipSession{answer: string(body), location: loc}, nil
}

// participantID is the last path element of the resource URL.
func (s *whipSession) participantID() string {
	return path.Base(strings.TrimRight(s.location.Path, "/"))
}

// delete ends the session (RFC 9725 section 4.2). It has its own deadline
// and survives the cancellation of ctx, which usually is why we end.
func (w *whipClient) delete(ctx context.Context, loc *url.URL) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), whipDeleteTimeout)
	defer cancel()
	req, err := w.request(ctx, http.MethodDelete, loc, nil)
	if err != nil {
		return err
	}
	resp, err := w.http.Do(req)
	if err != nil {
		return fmt.Errorf("whip delete %s: %w", loc.Redacted(), err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxWHIPBody))
	if resp.StatusCode/100 != 2 {
		return newStatusError("delete", resp.StatusCode, body)
	}
	return nil
}

func (w *whipClient) request(ctx context.Context, method string, u *url.URL, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("whip %s request: %w", strings.ToLower(method), err)
	}
	if w.token != "" {
		req.Header.Set("Authorization", "Bearer "+w.token)
	}
	return req, nil
}

package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"

	"github.com/roomcast/roomcast/egress/outbound"
)

// maxDrain bounds how much of a response body is read.
const maxDrain = 64 << 10

// ErrEndpoint marks a delivery the endpoint refused or could not take
// (network error, timeout, non-2xx status), as opposed to internal faults.
var ErrEndpoint = errors.New("webhook endpoint")

// attemptError is a failed attempt: Error names the (redacted)
// endpoint, reason alone is shown with a parked event, so a tenant never
// sees the global endpoint's address.
type attemptError struct {
	redacted string
	reason   string
	cause    error
}

func (e *attemptError) Error() string {
	return ErrEndpoint.Error() + ": post " + e.redacted + ": " + e.reason
}

func (e *attemptError) Unwrap() []error { return []error{ErrEndpoint, e.cause} }

// post makes one signed delivery attempt of body for ev.
func (q *queue) post(ctx context.Context, ev Event, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, q.d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, q.endpoint.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request for %s: %w", q.redacted, err)
	}
	q.setHeaders(req.Header, ev, body)
	resp, err := q.d.client.Do(req)
	if err != nil {
		cause := unwrapURLError(err)
		return &attemptError{redacted: q.redacted, reason: networkReason(cause), cause: cause}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &attemptError{redacted: q.redacted, reason: "status " + strconv.Itoa(resp.StatusCode), cause: errStatus}
	}
	return nil
}

// errStatus is a reply outside 2xx.
var errStatus = errors.New("non-2xx status")

// setHeaders adds the content type, event and signature headers.
func (q *queue) setHeaders(h http.Header, ev Event, body []byte) {
	ts := strconv.FormatInt(q.d.cfg.Now().Unix(), 10)
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "roomcast-webhook/1")
	h.Set(HeaderEventID, ev.ID)
	h.Set(HeaderEventType, ev.Type)
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, signatureVersion+sign(q.ep.Secret, ts, body))
}

// unwrapURLError drops *url.Error's wrapper, whose text holds the full
// URL (query and userinfo included); the caller adds the redacted form.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// networkReason says what went wrong without the address: "timeout",
// the outbound policy's refusal, the system error ("connection
// refused") or "network error".
func networkReason(err error) string {
	var ne net.Error
	var errno syscall.Errno
	switch {
	case errors.Is(err, outbound.ErrRefused):
		return "address refused by the outbound network policy (egress.allowed_networks)"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, &errno):
		return errno.Error()
	}
	return "network error"
}

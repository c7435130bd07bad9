package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// maxDrain bounds how much of a response body is read.
const maxDrain = 64 << 10

// ErrEndpoint marks a delivery the endpoint refused or could not take
// (network error, timeout, non-2xx status), as opposed to internal faults.
var ErrEndpoint = errors.New("webhook endpoint")

// post makes one signed delivery attempt of body for ev.
func (d *Dispatcher) post(ctx context.Context, ev Event, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.endpoint.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request for %s: %w", d.redacted, err)
	}
	d.setHeaders(req.Header, ev, body)
	resp, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: post %s: %w", ErrEndpoint, d.redacted, unwrapURLError(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%w: post %s: status %d", ErrEndpoint, d.redacted, resp.StatusCode)
	}
	return nil
}

// setHeaders adds the content type, event and signature headers.
func (d *Dispatcher) setHeaders(h http.Header, ev Event, body []byte) {
	ts := strconv.FormatInt(d.cfg.Now().Unix(), 10)
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "roomcast-webhook/1")
	h.Set(HeaderEventID, ev.ID)
	h.Set(HeaderEventType, ev.Type)
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, signatureVersion+sign(d.cfg.Secret, ts, body))
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

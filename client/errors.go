package client

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// APIError is an answer of 4xx or 5xx, from the API's error body
// {"error":{"code","message","field"}}.
type APIError struct {
	Status  int    // the HTTP status
	Code    string // stable: "not_found", "invalid_field", "rate_limited" …
	Message string // for people
	Field   string // the request field at fault, if one is
	// RetryAfter is how long the server asks to wait (429, 503); 0 when
	// it did not say.
	RetryAfter time.Duration
}

// Error is the API's message, with the status and code.
func (e *APIError) Error() string {
	return fmt.Sprintf("%s (%d %s)", e.Message, e.Status, e.Code)
}

// maxErrorBytes bounds the error body read.
const maxErrorBytes = 64 << 10

// readAPIError reads a non-2xx answer.
func readAPIError(resp *http.Response) *APIError {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBytes))
	return parseAPIError(resp.StatusCode, b, resp.Header.Get("Retry-After"), time.Now())
}

// parseAPIError decodes an error body; a body that is not the API's
// shape (a proxy's page, say) gives its first line as the message and
// the status's code.
func parseAPIError(status int, body []byte, retryAfter string, now time.Time) *APIError {
	e := &APIError{Status: status, RetryAfter: parseRetryAfter(retryAfter, now)}
	var wire struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &wire) == nil && wire.Error != nil {
		e.Code, e.Message, e.Field = wire.Error.Code, wire.Error.Message, wire.Error.Field
	}
	if e.Code == "" {
		e.Code = defaultCode(status)
	}
	if e.Message == "" {
		e.Message = plainMessage(body, status)
	}
	return e
}

// plainMessage is the first line of a body that is not the API's error
// shape, shortened, or the status text.
func plainMessage(body []byte, status int) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	line = strings.TrimSpace(strings.ToValidUTF8(line, "?"))
	if line == "" || line[0] == '{' || line[0] == '<' {
		if t := http.StatusText(status); t != "" {
			return strings.ToLower(t)
		}
		return "HTTP " + strconv.Itoa(status)
	}
	const max = 200
	if len(line) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		line = line[:cut] + "…"
	}
	return line
}

// defaultCode is the API's code of a status (api/respond.go).
func defaultCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusConflict:
		return "conflict"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	if status >= 500 {
		return "internal"
	}
	return "invalid_request"
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date (RFC 9110 §10.2.3); 0 when absent, unreadable or past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	const maxWait = 365 * 24 * time.Hour
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(min(n, int64(maxWait/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now).Round(time.Second), maxWait)
	}
	return 0
}

package synth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// StatusError is a WHIP request the server answered with an unexpected
// status: a destination error (bad key, unknown room), not an internal fault.
type StatusError struct {
	Op      string // "publish" or "delete"
	Code    int    // HTTP status code
	Message string // the "error" field of the JSON body, or the body text
}

func (e *StatusError) Error() string {
	status := fmt.Sprintf("%d %s", e.Code, http.StatusText(e.Code))
	if e.Message == "" {
		return fmt.Sprintf("whip %s: server answered %s", e.Op, status)
	}
	return fmt.Sprintf("whip %s: server answered %s: %s", e.Op, status, e.Message)
}

// newStatusError reads the server's explanation out of body.
func newStatusError(op string, code int, body []byte) *StatusError {
	return &StatusError{Op: op, Code: code, Message: errorMessage(body)}
}

// errorMessage is the message of an error body, {"error":{"message":…}}
// (or the older {"error":"…"}), else the body text.
func errorMessage(body []byte) string {
	var v struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &v) == nil && len(v.Error) > 0 {
		var e struct {
			Message string `json:"message"`
		}
		var old string
		if json.Unmarshal(v.Error, &e) == nil && e.Message != "" {
			return e.Message
		}
		if json.Unmarshal(v.Error, &old) == nil && old != "" {
			return old
		}
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return msg
}

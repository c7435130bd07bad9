package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/roomcast/roomcast/api/jointoken"
	"github.com/roomcast/roomcast/room"
)

// errorBody is every error response:
// {"error":{"code":"...","message":"...","field":"..."}}. Code is a stable,
// machine-readable word (see errorCodes); message is for people; field
// names the request field at fault, when there is one.
type errorBody struct {
	Error apiError `json:"error"`
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// errorCodes is the default code of each status.
var errorCodes = map[int]string{
	http.StatusBadRequest:                   "invalid_request",
	http.StatusUnauthorized:                 "unauthorized",
	http.StatusForbidden:                    "forbidden",
	http.StatusNotFound:                     "not_found",
	http.StatusMethodNotAllowed:             "method_not_allowed",
	http.StatusConflict:                     "conflict",
	http.StatusRequestEntityTooLarge:        "body_too_large",
	http.StatusUnsupportedMediaType:         "unsupported_media_type",
	http.StatusRequestedRangeNotSatisfiable: "range_not_satisfiable",
	http.StatusUnprocessableEntity:          "unprocessable",
	http.StatusUpgradeRequired:              "upgrade_required",
	http.StatusTooManyRequests:              "rate_limited",
	http.StatusInternalServerError:          "internal",
	http.StatusServiceUnavailable:           "unavailable",
}

// moreCodes are the codes besides the default one that a status may
// carry: a refused join token's reason, a tenant's quota.
var moreCodes = map[int][]string{
	http.StatusBadRequest: {"invalid_field"},
	http.StatusUnauthorized: {
		string(jointoken.ErrMalformed), string(jointoken.ErrSignature), string(jointoken.ErrExpired),
		string(jointoken.ErrNotYetValid), string(jointoken.ErrWrongRoom), string(jointoken.ErrUnknownTenant),
	},
	http.StatusForbidden: {"quota_exceeded"},
}

// codeOf is the default code of a status.
func codeOf(status int) string {
	if c, ok := errorCodes[status]; ok {
		return c
	}
	if status >= 500 {
		return "internal"
	}
	return "invalid_request"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers an error with the status's default code.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeAPIError(w, status, apiError{Code: codeOf(status), Message: msg})
}

// writeFieldError answers an error about one request field.
func writeFieldError(w http.ResponseWriter, status int, field, msg string) {
	code := codeOf(status)
	if field != "" && status == http.StatusBadRequest {
		code = "invalid_field"
	}
	writeAPIError(w, status, apiError{Code: code, Message: msg, Field: field})
}

// writeBodyError answers a request body that could not be read or
// decoded, naming the field when the JSON decoder did.
func writeBodyError(w http.ResponseWriter, status int, err error) {
	writeFieldError(w, status, jsonField(err), err.Error())
}

// writeParamError answers a bad query parameter. The parsers name the
// parameter first ("limit: want an integer ..."), which becomes the field.
func writeParamError(w http.ResponseWriter, err error) {
	msg := err.Error()
	field, _, ok := strings.Cut(msg, ": ")
	if !ok || strings.Trim(field, "abcdefghijklmnopqrstuvwxyz_") != "" {
		field = ""
	}
	writeFieldError(w, http.StatusBadRequest, field, msg)
}

func writeAPIError(w http.ResponseWriter, status int, e apiError) {
	writeJSON(w, status, errorBody{Error: e})
}

// jsonField is the field a JSON decoding error is about, or "".
func jsonField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	const unknown = `json: unknown field "`
	msg := err.Error()
	if i := strings.Index(msg, unknown); i >= 0 {
		rest := msg[i+len(unknown):]
		if j := strings.IndexByte(rest, '"'); j >= 0 {
			return rest[:j]
		}
	}
	return ""
}

// roomStatus maps room errors to HTTP statuses.
func roomStatus(err error) int {
	switch {
	case errors.Is(err, room.ErrRoomNotFound), errors.Is(err, room.ErrSessionNotFound):
		return http.StatusNotFound
	case errors.Is(err, room.ErrRoomExists), errors.Is(err, room.ErrRoomFull):
		return http.StatusConflict
	case errors.Is(err, room.ErrUnsupportedCodec):
		return http.StatusUnprocessableEntity
	case errors.Is(err, room.ErrInvalidName), errors.Is(err, room.ErrBadSDP):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

func (s *Server) writeRoomError(w http.ResponseWriter, r *http.Request, err error) {
	status := roomStatus(err)
	msg := err.Error()
	if status == http.StatusInternalServerError {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "internal error"
	}
	writeError(w, status, msg)
}

// readBody reads a request body of at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, int, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body larger than %d bytes", limit)
	}
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("read body: %w", err)
	}
	return b, 0, nil
}

// decodeJSON decodes a JSON object body strictly: unknown fields and
// trailing data are errors.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) (int, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return http.StatusUnsupportedMediaType, fmt.Errorf("content type %q: want application/json", ct)
	}
	b, status, err := readBody(w, r, limit)
	if err != nil {
		return status, err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return http.StatusBadRequest, fmt.Errorf("invalid JSON body: %w", err)
	}
	if dec.More() {
		return http.StatusBadRequest, errors.New("invalid JSON body: trailing data")
	}
	return 0, nil
}

// jsonErrors gives the API's error shape to the error answers of a
// handler that writes its own (http.ServeContent's 416 and 412, which
// are plain text).
func jsonErrors(w http.ResponseWriter) http.ResponseWriter { return &errorShaper{ResponseWriter: w} }

type errorShaper struct {
	http.ResponseWriter
	failed bool
}

func (e *errorShaper) WriteHeader(status int) {
	if status < 400 {
		e.ResponseWriter.WriteHeader(status)
		return
	}
	e.failed = true
	e.Header().Del("Content-Length")
	msg := strings.ToLower(http.StatusText(status))
	if cr := e.Header().Get("Content-Range"); status == http.StatusRequestedRangeNotSatisfiable && cr != "" {
		msg += " (the file is " + strings.TrimPrefix(cr, "bytes */") + " bytes)"
	}
	writeError(e.ResponseWriter, status, msg)
}

func (e *errorShaper) Write(b []byte) (int, error) {
	if e.failed {
		return len(b), nil // the plain-text body, replaced
	}
	return e.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (e *errorShaper) Unwrap() http.ResponseWriter { return e.ResponseWriter }

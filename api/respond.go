package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/roomcast/roomcast/room"
)

// errorBody is every error response: {"error": "reason"}.
type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
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

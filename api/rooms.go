package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/roomcast/roomcast/room"
)

// rooms is the request's tenant's rooms.
func (s *Server) rooms(r *http.Request) *room.Scope { return s.cfg.Rooms.In(tenantOf(r)) }

type createRoomRequest struct {
	Name string `json:"name"`
}

func (s *Server) createRoom(w http.ResponseWriter, r *http.Request) {
	var req createRoomRequest
	if status, err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &req); err != nil {
		writeBodyError(w, status, err)
		return
	}
	opts, qe := s.roomOptions(r)
	if qe != nil {
		writeQuotaError(w, qe)
		return
	}
	info, err := s.rooms(r).Create(req.Name, opts)
	if err != nil {
		s.writeRoomError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/rooms/"+info.Name)
	writeJSON(w, http.StatusCreated, info)
}

func (s *Server) listRooms(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"rooms": s.rooms(r).List()})
}

func (s *Server) getRoom(w http.ResponseWriter, r *http.Request) {
	info, err := s.rooms(r).Get(r.PathValue("room"))
	if err != nil {
		s.writeRoomError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func (s *Server) deleteRoom(w http.ResponseWriter, r *http.Request) {
	if err := s.rooms(r).Delete(r.PathValue("room")); err != nil {
		s.writeRoomError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// HistoryContentType is the media type of a room's history: an rtpdump
// (package pipeline/rtpdump).
const HistoryContentType = "application/vnd.roomcast.rtpdump"

// historyWriteTimeout bounds writing a room's history, a few MB, in
// place of the server's write timeout.
const historyWriteTimeout = 30 * time.Second

// roomHistory serves GET /v1/rooms/{room}/history?since=<RFC 3339 time>:
// the recent RTP of every track in the room from since (room.Manager.
// WriteHistory). A since older than the history returns what there is.
func (s *Server) roomHistory(w http.ResponseWriter, r *http.Request) {
	since, err := parseSince(r.URL.Query())
	if err != nil {
		writeFieldError(w, http.StatusBadRequest, "since", err.Error())
		return
	}
	if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(historyWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.log.Warn("room history: set write deadline", "err", err)
	}
	hw := &historyWriter{w: w}
	err = s.rooms(r).WriteHistory(hw, r.PathValue("room"), since)
	switch {
	case err == nil:
	case !hw.started:
		s.writeRoomError(w, r, err)
	default: // the client went away, or was too slow
		s.log.Info("room history cut", "room", r.PathValue("room"), "err", err)
	}
}

// parseSince reads the query parameter since, an RFC 3339 time.
func parseSince(q url.Values) (time.Time, error) {
	const want = "want one RFC 3339 time, e.g. since=2026-01-02T15:04:05.25Z"
	vs := q["since"]
	switch {
	case len(vs) == 0:
		return time.Time{}, fmt.Errorf("missing query parameter since (%s)", want)
	case len(vs) > 1:
		return time.Time{}, fmt.Errorf("query parameter since given %d times (%s)", len(vs), want)
	}
	t, err := time.Parse(time.RFC3339Nano, vs[0])
	if err != nil {
		hint := ""
		if strings.Contains(vs[0], " ") {
			hint = "; escape the + of a UTC offset as %2B"
		}
		return time.Time{}, fmt.Errorf("query parameter since is not an RFC 3339 time (%s%s)", want, hint)
	}
	return t, nil
}

// historyWriter sends the history's headers with its first bytes, so that
// an error before them (an unknown room) can still be a JSON error.
type historyWriter struct {
	w       http.ResponseWriter
	started bool
}

func (h *historyWriter) Write(p []byte) (int, error) {
	if !h.started {
		h.started = true
		h.w.Header().Set("Content-Type", HistoryContentType)
		h.w.Header().Set("Cache-Control", "no-store")
		h.w.WriteHeader(http.StatusOK)
	}
	return h.w.Write(p)
}

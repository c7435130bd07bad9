package api

import (
	"net/http"
)

type createRoomRequest struct {
	Name string `json:"name"`
}

func (s *Server) createRoom(w http.ResponseWriter, r *http.Request) {
	var req createRoomRequest
	if status, err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &req); err != nil {
		writeError(w, status, err.Error())
		return
	}
	info, err := s.cfg.Rooms.Create(req.Name)
	if err != nil {
		s.writeRoomError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/rooms/"+info.Name)
	writeJSON(w, http.StatusCreated, info)
}

func (s *Server) listRooms(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"rooms": s.cfg.Rooms.List()})
}

func (s *Server) getRoom(w http.ResponseWriter, r *http.Request) {
	info, err := s.cfg.Rooms.Get(r.PathValue("room"))
	if err != nil {
		s.writeRoomError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func (s *Server) deleteRoom(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Rooms.Delete(r.PathValue("room")); err != nil {
		s.writeRoomError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

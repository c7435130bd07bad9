package api

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"

	"github.com/roomcast/roomcast/room"
)

// readSDP reads an application/sdp body (RFC 9725 section 4.2).
func (s *Server) readSDP(w http.ResponseWriter, r *http.Request) (string, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/sdp" {
		writeError(w, http.StatusUnsupportedMediaType, "content type must be application/sdp")
		return "", false
	}
	b, status, err := readBody(w, r, s.cfg.MaxBodyBytes)
	if err != nil {
		writeError(w, status, err.Error())
		return "", false
	}
	if len(b) == 0 {
		writeError(w, http.StatusBadRequest, "empty SDP offer")
		return "", false
	}
	return string(b), true
}

// existingRoom answers 404 for an unknown room before the body is read, so
// the client learns the real problem first.
func (s *Server) existingRoom(w http.ResponseWriter, r *http.Request) (string, bool) {
	rm := r.PathValue("room")
	if _, err := s.rooms(r).Get(rm); err != nil {
		s.writeRoomError(w, r, err)
		return "", false
	}
	return rm, true
}

// writeAnswer sends the SDP answer with the session resource as Location.
func writeAnswer(w http.ResponseWriter, location, sdp string) {
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", location)
	w.Header().Set("ETag", `"`+url.PathEscape(location)+`"`)
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write([]byte(sdp))
}

// parseScreen reads the WHIP query parameter screen: absent, "0" or "false"
// publishes cameras, "1" or "true" a screen share (room.PublishOptions).
func parseScreen(q url.Values) (bool, error) {
	vs, ok := q["screen"]
	if !ok {
		return false, nil
	}
	if len(vs) != 1 {
		return false, fmt.Errorf("query parameter screen given %d times (want it once: 0, 1, true or false)", len(vs))
	}
	switch vs[0] {
	case "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, fmt.Errorf("query parameter screen=%q: want 0, 1, true or false", vs[0])
}

// publish is the WHIP endpoint (RFC 9725): an SDP offer in, the answer out,
// and a Location resource whose DELETE leaves the room. With screen=1 the
// session is a screen share: every video track it sends is a screen.
func (s *Server) publish(w http.ResponseWriter, r *http.Request) {
	if !permitted(w, r, true) {
		return
	}
	rm, ok := s.existingRoom(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	screen, err := parseScreen(q)
	if err != nil {
		writeFieldError(w, http.StatusBadRequest, "screen", err.Error())
		return
	}
	offer, ok := s.readSDP(w, r)
	if !ok {
		return
	}
	sess, err := s.rooms(r).PublishWith(r.Context(), rm, room.PublishOptions{
		Name: participantName(r), Screen: screen, OfferSDP: offer,
	})
	if err != nil {
		s.writeRoomError(w, r, err)
		return
	}
	writeAnswer(w, fmt.Sprintf("/v1/rooms/%s/whip/%s", url.PathEscape(rm), sess.ID), sess.AnswerSDP)
}

func (s *Server) unpublish(w http.ResponseWriter, r *http.Request) {
	if !permitted(w, r, true) {
		return
	}
	if err := s.rooms(r).Unpublish(r.PathValue("room"), r.PathValue("id")); err != nil {
		s.writeRoomError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// noTrickle answers trickle ICE PATCH requests: roomcast gathers all
// candidates before answering, so none are needed (RFC 9725 section 4.3.1).
func (s *Server) noTrickle(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Allow", "DELETE")
	writeError(w, http.StatusMethodNotAllowed, "trickle ICE is not supported: the answer carries all candidates")
}

// subscribe starts a room subscription: every track of the room, with
// renegotiation over the "signal" data channel as participants come and go.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	if !permitted(w, r, false) {
		return
	}
	rm, ok := s.existingRoom(w, r)
	if !ok {
		return
	}
	offer, ok := s.readSDP(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	sess, err := s.rooms(r).Subscribe(r.Context(), rm, room.SubscribeOptions{
		Name: participantName(r), ExcludeParticipant: q.Get("exclude"), OfferSDP: offer,
	})
	if err != nil {
		s.writeRoomError(w, r, err)
		return
	}
	writeAnswer(w, fmt.Sprintf("/v1/rooms/%s/subscribe/%s", url.PathEscape(rm), sess.ID), sess.AnswerSDP)
}

func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	if !permitted(w, r, false) {
		return
	}
	if err := s.rooms(r).Unsubscribe(r.PathValue("room"), r.PathValue("id")); err != nil {
		s.writeRoomError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// permitted answers 403 unless the request's join token (if it came with
// one) grants publishing, or subscribing. Keys may do both.
func permitted(w http.ResponseWriter, r *http.Request, publish bool) bool {
	p := who(r)
	switch {
	case p.kind != kindToken:
		return true
	case publish && !p.claims.Publish:
		writeError(w, http.StatusForbidden, "this join token does not allow publishing")
		return false
	case !publish && !p.claims.Subscribe:
		writeError(w, http.StatusForbidden, "this join token does not allow subscribing")
		return false
	}
	return true
}

// participantName is the name a participant joins with: its join token's,
// when the token names one, else the name query parameter.
func participantName(r *http.Request) string {
	if p := who(r); p.kind == kindToken && p.claims.Name != "" {
		return p.claims.Name
	}
	return r.URL.Query().Get("name")
}

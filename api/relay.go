package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/roomcast/roomcast/pipeline/relay"
	"github.com/roomcast/roomcast/room"
)

// relayUpgradeTimeout bounds writing the 101 answer.
const relayUpgradeTimeout = 10 * time.Second

// relaySubscribe is a remote worker's relay subscription to every track
// of a room (package relay): the request upgrades the connection to
// relay.Protocol, and the room's packets then flow on it until either
// side closes it or the room is deleted.
func (s *Server) relaySubscribe(w http.ResponseWriter, r *http.Request) {
	if !permitted(w, r, false) {
		return
	}
	rm, ok := s.existingRoom(w, r)
	if !ok {
		return
	}
	if !upgradeTo(r, relay.Protocol) {
		w.Header().Set("Upgrade", relay.Protocol)
		w.Header().Set("Connection", "Upgrade")
		writeError(w, http.StatusUpgradeRequired, fmt.Sprintf("this endpoint needs Connection: Upgrade and Upgrade: %s", relay.Protocol))
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.log.Error("relay: cannot take over the connection", "err", err)
		writeError(w, http.StatusInternalServerError, "this connection cannot be upgraded")
		return
	}
	_ = conn.SetDeadline(time.Now().Add(relayUpgradeTimeout))
	_, err = fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n", relay.Protocol)
	if err == nil {
		err = brw.Flush()
	}
	if err == nil {
		err = conn.SetDeadline(time.Time{})
	}
	unlimit(conn) // a worker holds one per job: not an anonymous client's connection
	if err != nil {
		conn.Close()
		s.log.Info("relay: upgrade answer not sent", "room", rm, "err", err)
		return
	}
	err = s.rooms(r).Relay(r.Context(), rm, participantName(r), conn, brw.Reader)
	if err != nil && !errors.Is(err, room.ErrRelayClosed) {
		s.log.Info("relay subscription ended", "room", rm, "err", err)
	}
}

// upgradeTo reports whether r asks to upgrade to protocol (RFC 9110
// section 7.8).
func upgradeTo(r *http.Request, protocol string) bool {
	return r.ProtoMajor == 1 && r.ProtoMinor == 1 &&
		headerHasToken(r.Header, "Connection", "upgrade") && headerHasToken(r.Header, "Upgrade", protocol)
}

// headerHasToken reports whether a comma-separated header has token,
// whatever its case.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

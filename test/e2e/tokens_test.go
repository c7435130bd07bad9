package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestJoinTokens: a participant with a publish token joins over WHIP with
// `roomcast publish --token`; the same token on another room, after it
// expires, or with one byte changed gets 401 with the reason; a
// subscribe-only token cannot publish; a join token opens no control
// route.
func TestJoinTokens(t *testing.T) {
	s := StartServer(t)
	s.CreateRoom(t, "stage")
	s.CreateRoom(t, "other")
	pub := s.CreateToken(t, "stage", map[string]any{"name": "dana", "publish": true, "ttl_seconds": 600})
	if until := time.Until(pub.ExpiresAt); until < 9*time.Minute || until > 11*time.Minute {
		t.Errorf("expires_at %v: %v from now, want 10 min", pub.ExpiresAt, until)
	}

	// The token names the participant: the publisher's own --name loses.
	p := s.StartPublisherArgs(t, "stage", "impostor", "--token", pub.Token, "--codec", "vp8", "--duration", "6s")
	Eventually(t, 20*time.Second, "dana in stage", func() bool {
		for _, pp := range s.RoomInfo(t, "stage").Participants {
			if pp.Name == "dana" {
				return true
			}
		}
		return false
	})
	p.Wait(t, 30*time.Second)

	refused := func(tok, room, want string) {
		t.Helper()
		out, err := s.StartPublisherArgs(t, room, "x", "--token", tok, "--codec", "vp8", "--duration", "2s").WaitErr(20 * time.Second)
		if err == nil || !strings.Contains(out, "401") || !strings.Contains(out, want) {
			t.Errorf("room %s: publisher %v, want a 401 with %q:\n%s", room, err, want, out)
		}
	}
	refused(pub.Token, "other", "wrong_room")
	// One character of the signature changed, to another base64url one.
	tampered := []byte(pub.Token)
	i := strings.LastIndexByte(pub.Token, '.') + 5
	if tampered[i] == 'A' {
		tampered[i] = 'B'
	} else {
		tampered[i] = 'A'
	}
	refused(string(tampered), "stage", "invalid_signature")

	// A subscribe-only token may not publish.
	sub := s.CreateToken(t, "stage", map[string]any{"name": "viewer", "subscribe": true})
	out, err := s.StartPublisherArgs(t, "stage", "viewer", "--token", sub.Token, "--codec", "vp8", "--duration", "2s").WaitErr(20 * time.Second)
	if err == nil || !strings.Contains(out, "403") {
		t.Errorf("subscribe-only token published: %v\n%s", err, out)
	}

	// A join token opens no control route.
	var e APIError
	for _, path := range []string{"/v1/egress", "/v1/rooms", "/v1/rooms/stage"} {
		if code := s.DoKey(t, pub.Token, "GET", path, nil, &e); code != http.StatusUnauthorized || e.Error.Code != "unauthorized" {
			t.Errorf("join token on GET %s: %d %+v, want 401", path, code, e.Error)
		}
	}
	if code := s.DoKey(t, pub.Token, "POST", "/v1/rooms/stage/tokens", map[string]any{"publish": true}, &e); code != http.StatusUnauthorized {
		t.Errorf("join token minting a token: %d, want 401", code)
	}

	// An expired token: one second of life, plus the verifier's leeway.
	short := s.CreateToken(t, "stage", map[string]any{"name": "brief", "publish": true, "ttl_seconds": 1})
	Eventually(t, 15*time.Second, "the short token expired", func() bool {
		code := s.DoKey(t, short.Token, "DELETE", "/v1/rooms/stage/whip/PA_none", nil, &e)
		return code == http.StatusUnauthorized && e.Error.Code == "token_expired"
	})
	refused(short.Token, "stage", "token_expired")

	// Bad requests name the field.
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "x"}, "publish"},
		{map[string]any{"publish": true, "ttl_seconds": -1}, "ttl_seconds"},
		{map[string]any{"publish": true, "ttl_seconds": 1 << 40}, "ttl_seconds"},
		{map[string]any{"publish": "yes"}, "publish"},
		{map[string]any{"publish": true, "name": strings.Repeat("n", 65)}, "name"},
	} {
		if code := s.Do(t, "POST", "/v1/rooms/stage/tokens", c.body, &e); code != http.StatusBadRequest || e.Error.Field != c.field {
			t.Errorf("token %v: %d %+v, want 400 naming %s", c.body, code, e.Error, c.field)
		}
	}
	if code := s.Do(t, "POST", "/v1/rooms/ghost/tokens", map[string]any{"publish": true}, &e); code != http.StatusNotFound {
		t.Errorf("token for a missing room: %d, want 404", code)
	}
}

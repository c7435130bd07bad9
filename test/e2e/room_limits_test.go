package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestRoomFullAndDelete: a full room refuses a publisher with a clear
// error; deleting the room disconnects the participant in it.
func TestRoomFullAndDelete(t *testing.T) {
	s := StartServer(t, "ROOMCAST_MAX_PARTICIPANTS=1")
	s.CreateRoom(t, "small")
	first := s.StartPublisher(t, "small", "first", "vp8", time.Minute)
	Eventually(t, 15*time.Second, "first participant", func() bool {
		return len(s.RoomInfo(t, "small").Participants) == 1
	})
	second := s.StartPublisher(t, "small", "second", "h264", time.Minute)
	out, err := second.WaitErr(30 * time.Second)
	if err == nil || !strings.Contains(out, "full") || !strings.Contains(out, "409") {
		t.Errorf("second publisher: err %v, output %q; want a 409 'room is full' error", err, out)
	}
	if code := s.Do(t, "DELETE", "/v1/rooms/small", nil, nil); code != 204 {
		t.Fatalf("delete room: %d", code)
	}
	if _, err := first.WaitErr(15 * time.Second); err == nil {
		t.Error("publisher in a deleted room should end with an error")
	}
	if code := s.Do(t, "GET", "/v1/rooms/small", nil, nil); code != 404 {
		t.Errorf("deleted room: status %d, want 404", code)
	}
}

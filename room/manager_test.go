package room

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestManagerRooms(t *testing.T) {
	m := newTestManager(t, Config{})
	for _, n := range []string{"b", "a", "c.1"} {
		if _, err := m.Create(n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Create("a"); !errors.Is(err, ErrRoomExists) {
		t.Errorf("duplicate room: %v", err)
	}
	if _, err := m.Create("bad name"); !errors.Is(err, ErrInvalidName) {
		t.Errorf("bad name: %v", err)
	}
	var names []string
	for _, info := range m.List() {
		names = append(names, info.Name)
	}
	if strings.Join(names, ",") != "a,b,c.1" {
		t.Errorf("List = %v", names)
	}
	info, err := m.Get("a")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(info)
	if string(b) != `{"name":"a","participants":[],"subscribers":0}` {
		t.Errorf("empty room json = %s", b)
	}
	if _, err := m.Get("zz"); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("Get unknown: %v", err)
	}
	if err := m.Delete("b"); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete("b"); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("second Delete: %v", err)
	}
	if err := m.Unpublish("a", "PA_x"); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("Unpublish unknown: %v", err)
	}
	if err := m.Unsubscribe("a", "SU_x"); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("Unsubscribe unknown: %v", err)
	}
	if err := m.Unsubscribe("zz", "SU_x"); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("Unsubscribe in unknown room: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := m.Create("d"); !errors.Is(err, ErrClosed) {
		t.Errorf("Create after Close: %v", err)
	}
	if l := m.List(); len(l) != 0 {
		t.Errorf("List after Close: %v", l)
	}
}

func TestNewManagerRejectsBadConfig(t *testing.T) {
	if _, err := NewManager(Config{MaxParticipants: -1}); err == nil {
		t.Error("negative MaxParticipants accepted")
	}
}

func TestPublishErrors(t *testing.T) {
	m := newTestManager(t, Config{})
	if _, err := m.Create("r1"); err != nil {
		t.Fatal(err)
	}
	p, offer := newTestPublisherOffer(t)
	defer p.close()
	vp9 := sdpText(mline("video", "sendonly", "98", "a=rtpmap:98 VP9/90000")...)
	cases := []struct {
		name, room, participant, offer string
		want                           error
		message                        string
	}{
		{"unknown room", "nope", "alice", offer, ErrRoomNotFound, `room "nope"`},
		{"garbage sdp", "r1", "alice", "v=0\r\nthis is not sdp\r\n", ErrBadSDP, "parse offer"},
		{"vp9 only", "r1", "alice", vp9, ErrUnsupportedCodec, "video m-line offers only VP9"},
		{"empty name", "r1", "", offer, ErrInvalidName, "participant name"},
		{"control characters", "r1", "a\x00b", offer, ErrInvalidName, "participant name"},
	}
	for _, c := range cases {
		_, err := m.Publish(context.Background(), c.room, c.participant, c.offer)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.message) {
			t.Errorf("%s: err = %v, want %v saying %q", c.name, err, c.want, c.message)
		}
	}
	if info, _ := m.Get("r1"); len(info.Participants) != 0 {
		t.Errorf("failed publishes left participants: %+v", info)
	}
}

func TestRoomFull(t *testing.T) {
	m := newTestManager(t, Config{MaxParticipants: 1})
	if _, err := m.Create("r1"); err != nil {
		t.Fatal(err)
	}
	p1, offer1 := newTestPublisherOffer(t)
	defer p1.close()
	p2, offer2 := newTestPublisherOffer(t)
	defer p2.close()
	s1, err := m.Publish(context.Background(), "r1", "alice", offer1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Publish(context.Background(), "r1", "bob", offer2)
	if !errors.Is(err, ErrRoomFull) || err.Error() != "room r1: room is full (1 participants)" {
		t.Fatalf("second publisher: %v", err)
	}
	if err := m.Unpublish("r1", s1.ID); err != nil {
		t.Fatal(err)
	}
	s2, err := m.Publish(context.Background(), "r1", "bob", offer2)
	if err != nil {
		t.Fatalf("publish after a leave: %v", err)
	}
	if info, _ := m.Get("r1"); len(info.Participants) != 1 || info.Participants[0].ID != s2.ID {
		t.Errorf("info = %+v", info)
	}
}

func TestSubscribeErrors(t *testing.T) {
	m := newTestManager(t, Config{})
	if _, err := m.Create("r1"); err != nil {
		t.Fatal(err)
	}
	p, offer := newTestPublisherOffer(t) // media only, no data channel
	defer p.close()
	cases := []struct {
		name, room string
		o          SubscribeOptions
		want       error
	}{
		{"no data channel", "r1", SubscribeOptions{OfferSDP: offer}, ErrBadSDP},
		{"garbage", "r1", SubscribeOptions{OfferSDP: "garbage"}, ErrBadSDP},
		{"bad name", "r1", SubscribeOptions{Name: "a\nb", OfferSDP: offer}, ErrInvalidName},
		{"unknown room", "nope", SubscribeOptions{OfferSDP: sdpText("m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 0.0.0.0")}, ErrRoomNotFound},
	}
	for _, c := range cases {
		if _, err := m.Subscribe(context.Background(), c.room, c.o); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

// TestTenantScopes: two tenants may both have a room called "demo"; each
// sees, reaches and deletes only its own, and a room's own participant cap
// holds.
func TestTenantScopes(t *testing.T) {
	m := newTestManager(t, Config{MaxParticipants: 4})
	a, b := m.In("acme"), m.In("beta")
	if _, err := a.Create("demo", CreateOptions{MaxParticipants: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Create("demo", CreateOptions{}); err != nil {
		t.Fatalf("the same name in another tenant: %v", err)
	}
	if _, err := a.Create("demo", CreateOptions{}); !errors.Is(err, ErrRoomExists) {
		t.Errorf("a second demo in acme: %v, want ErrRoomExists", err)
	}
	if _, err := a.Create("only-a", CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := names(a.List()); !slices.Equal(got, []string{"demo", "only-a"}) {
		t.Errorf("acme lists %v", got)
	}
	if got := names(b.List()); !slices.Equal(got, []string{"demo"}) {
		t.Errorf("beta lists %v", got)
	}
	if got := m.List(); len(got) != 0 {
		t.Errorf("tenant \"\" lists %v", got)
	}
	if a.Len() != 2 || b.Len() != 1 {
		t.Errorf("Len: acme %d beta %d", a.Len(), b.Len())
	}
	if _, err := b.Get("only-a"); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("beta gets acme's room: %v", err)
	}
	if err := b.Delete("only-a"); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("beta deletes acme's room: %v", err)
	}
	if err := b.Unpublish("only-a", "P_x"); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("beta unpublishes in acme's room: %v", err)
	}
	if err := b.Delete("demo"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get("demo"); err != nil {
		t.Errorf("acme's demo gone with beta's: %v", err)
	}
	if r, _ := a.room("demo"); r.maxParticipants != 1 {
		t.Errorf("room cap %d, want 1", r.maxParticipants)
	}
	if r, _ := a.room("only-a"); r.maxParticipants != 4 {
		t.Errorf("default room cap %d, want 4", r.maxParticipants)
	}
}

func names(infos []Info) []string {
	var out []string
	for _, i := range infos {
		out = append(out, i.Name)
	}
	return out
}

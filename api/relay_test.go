package api

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/pipeline/relay"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/room"
	"github.com/roomcast/roomcast/test/testutil"
)

func TestRelayRefusals(t *testing.T) {
	ts := newTestServer(t, 16)
	auth := "Bearer " + key
	call(t, ts, "POST", "/v1/rooms", auth, "application/json", `{"name":"r1"}`)
	r := call(t, ts, "GET", "/v1/rooms/r1/relay", auth, "", "")
	if r.status != http.StatusUpgradeRequired || r.header.Get("Upgrade") != relay.Protocol || errorShape(t, r).Code != "upgrade_required" {
		t.Errorf("relay without upgrade: %d %v %s, want 426 naming %s", r.status, r.header, r.body, relay.Protocol)
	}
	if r := call(t, ts, "GET", "/v1/rooms/nope/relay", auth, "", "", "Connection", "Upgrade", "Upgrade", relay.Protocol); r.status != http.StatusNotFound {
		t.Errorf("relay of a missing room: %d %s, want 404", r.status, r.body)
	}
	if r := call(t, ts, "GET", "/v1/rooms/r1/relay", "", "", "", "Connection", "Upgrade", "Upgrade", relay.Protocol); r.status != http.StatusUnauthorized {
		t.Errorf("relay without a key: %d %s, want 401", r.status, r.body)
	}
}

// dialRelay upgrades a raw connection to the relay of room r1.
func dialRelay(t *testing.T, addr string) (net.Conn, *relay.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET /v1/rooms/r1/relay?name=w HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
		"\r\nConnection: Upgrade\r\nUpgrade: " + relay.Protocol + "\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Upgrade") != relay.Protocol {
		t.Fatalf("upgrade: %v, %v", resp, err)
	}
	return conn, relay.NewReader(br)
}

// TestRelayUpgrade: an upgraded connection is a subscriber of the room
// until a bad frame from the client ends it; a room's deletion is told
// with a Bye.
func TestRelayUpgrade(t *testing.T) {
	ts := newTestServer(t, 16)
	auth := "Bearer " + key
	call(t, ts, "POST", "/v1/rooms", auth, "application/json", `{"name":"r1"}`)
	addr := strings.TrimPrefix(ts.URL, "http://")
	relaySubscribers := func() int {
		var info struct {
			N int `json:"relay_subscribers"`
		}
		_ = json.Unmarshal([]byte(call(t, ts, "GET", "/v1/rooms/r1", auth, "", "").body), &info)
		return info.N
	}

	bad, _ := dialRelay(t, addr)
	testutil.Eventually(t, 5*time.Second, "the relay subscribed", func() bool { return relaySubscribers() == 1 })
	// A frame over relay.MaxPayload: the server ends the connection.
	if _, err := bad.Write([]byte{byte(relay.TypeKeyframeRequest), 0xff, 0xff, 0xff, 0xff}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 5*time.Second, "the bad relay gone", func() bool { return relaySubscribers() == 0 })
	if _, err := bad.Read(make([]byte, 1)); err == nil {
		t.Error("the server kept a connection that sent a frame too large")
	}

	conn, rd := dialRelay(t, addr)
	testutil.Eventually(t, 5*time.Second, "the relay subscribed", func() bool { return relaySubscribers() == 1 })
	if _, err := conn.Write(relay.AppendID(relay.AppendEmpty(nil, relay.TypePing), relay.TypeKeyframeRequest, 99)); err != nil {
		t.Fatal(err)
	}
	call(t, ts, "DELETE", "/v1/rooms/r1", auth, "", "")
	for {
		f, err := rd.Next()
		if err != nil {
			t.Fatalf("no Bye before the end: %v", err)
		}
		if f.Type == relay.TypeBye {
			if !strings.Contains(string(f.Payload), "deleted") {
				t.Errorf("Bye %q, want the room's deletion", f.Payload)
			}
			break
		}
	}
}

// TestRelayLeavesConnCap: an upgraded relay connection gives its slot of
// server.max_conns_per_ip back (a worker holds one per job), so the same
// address can still connect at a cap of one.
func TestRelayLeavesConnCap(t *testing.T) {
	rooms, err := room.NewManager(room.Config{RTC: rtc.Options{LoopbackOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer rooms.Close()
	if _, err := rooms.In("default").Create("r1", room.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	s := New(Config{Keys: []configs.APIKey{{Tenant: "default", Key: key}}, Rooms: rooms})
	s.SetReady(true)
	addr, _ := startHTTP(t, testLimits(5*time.Second, 1), s)
	conn, rd := dialRelay(t, addr)
	_ = conn.SetDeadline(time.Time{})
	testutil.Eventually(t, 5*time.Second, "a second connection from the relay's address", func() bool {
		code, _, err := getFrom(normalIP, addr, "/healthz")
		return err == nil && code == http.StatusOK
	})
	rooms.Close() // the relay ends with the room
	for {
		f, err := rd.Next()
		if err != nil {
			t.Fatalf("no Bye before the end: %v", err)
		}
		if f.Type == relay.TypeBye {
			break
		}
	}
}

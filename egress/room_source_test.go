package egress

import (
	"testing"

	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/pipeline/source"
)

// fakeLocalRoom is a source.LocalRoom that remembers its tenant.
type fakeLocalRoom struct{ tenant string }

func (fakeLocalRoom) SubscribeLocal(string, string) (source.LocalSubscription, error) {
	return nil, source.ErrRoomNotFound
}

// TestRoomSourceIngestConfig: with Local (the all-in-one server) a job
// reads the tenant's room in process and sends nothing over HTTP or
// WebRTC; without it (a standalone worker) it subscribes over WebRTC.
func TestRoomSourceIngestConfig(t *testing.T) {
	spec := Spec{Room: "demo"}
	src := RoomSource{Server: "http://127.0.0.1:1", Token: "secret", RTC: rtc.Options{LoopbackOnly: true}}

	remote := src.ingestConfig("acme", spec)
	if remote.Local != nil || remote.Server != src.Server || remote.Token != "secret" || remote.Tenant != "acme" ||
		remote.Room != "demo" || !remote.LoopbackOnly {
		t.Errorf("standalone worker's ingest %+v, want a WebRTC subscription to acme's demo", remote)
	}

	src.Local = func(tenant string) source.LocalRoom { return fakeLocalRoom{tenant} }
	local := src.ingestConfig("acme", spec)
	if lr, ok := local.Local.(fakeLocalRoom); !ok || lr.tenant != "acme" {
		t.Fatalf("all-in-one ingest reads %#v, want acme's rooms in process", local.Local)
	}
	if local.Server != "" || local.Token != "" || local.Room != "demo" {
		t.Errorf("all-in-one ingest %+v, want room demo and no server or token", local)
	}
}

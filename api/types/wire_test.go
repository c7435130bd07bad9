package types

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite/tile"
)

// The wire format: a request, a job's status and a live change with every
// field set, against their JSON in testdata/, as written before these
// types left package egress. A change here changes what clients send and
// get, and what the job bus has stored.

// wireSpec is a request with every field set.
func wireSpec() Spec {
	no, margin := false, 0
	return Spec{
		Room: "r1",
		LayoutSpec: LayoutSpec{
			Layout: LayoutCustom, Participant: "ann", Fit: "cover", Thumbnails: &no, MaxCameras: 3,
			Regions:                 []tile.Region{{X: 0, Y: 0, W: 0.5, H: 1, Z: 1, Source: "speaker", Fit: "cover"}, {X: 0.5, W: 0.5, H: 1, Source: "next"}},
			PlaceholderAfterSeconds: 2.5,
		},
		Video: VideoSpec{Background: "#102030", Width: 1280, Height: 720, FPS: 30, BitrateKbps: 2500, KeyframeSeconds: 2},
		Canvases: []CanvasSpec{
			{Name: "vertical", Width: 720, Height: 1280, BitrateKbps: 1500, Background: "#000000", LayoutSpec: LayoutSpec{Layout: LayoutGrid, Fit: "contain"}},
			{Name: "small", Width: 640, Height: 360},
		},
		Audio: AudioSpec{BitrateKbps: 128, Exclude: []string{"bot"}},
		Branding: &BrandingSpec{
			Labels:          &no,
			Label:           &TextStyleSpec{FontSize: 18, Color: "#ffffff", Background: "#00000080"},
			Logo:            &LogoSpec{PNGBase64: "iVBORw0KGgo=", Position: "top-left", Scale: 0.1, Margin: &margin},
			BackgroundImage: &ImageSpec{PNGBase64: "iVBORw0KGgo="},
			Title:           &TitleSpec{Text: "Live", Position: "bottom", TextStyleSpec: TextStyleSpec{FontSize: 30, Color: "#ffcc00"}},
		},
		Outputs: OutputsSpec{
			RTMP:   []Target{{URL: "rtmp://a/app/k1"}, {URL: "rtmp://b/app/k2", Canvas: "vertical"}, {URL: "rtmp://c/app/k3", MaxRetrySeconds: 90}},
			Record: &RecordSpec{SegmentSeconds: 4, Tracks: RecordTracksRaw, Canvas: "small"},
		},
	}
}

// wireInfo is a job's status with every field set.
func wireInfo() Info {
	t0 := time.Date(2024, 5, 6, 7, 8, 9, 123000000, time.UTC)
	t1, t2 := t0.Add(time.Second), t0.Add(time.Minute)
	left := 3600.5
	dropped := &RecordDropped{Segments: 2, Raw: 1, Bytes: 4096}
	return Info{
		ID: "EG_X", Tenant: "acme", Room: "r1", Layout: LayoutSpeaker, Status: StatusActive, Error: "boom",
		Reason: "no worker has room", Worker: "w1", Kind: "composite",
		CreatedAt: t0, StartedAt: &t1, EndedAt: &t2,
		Video: VideoSpec{Width: 1280, Height: 720, FPS: 30, BitrateKbps: 2500, KeyframeSeconds: 2},
		Outputs: OutputsInfo{
			RTMP: []RTMPInfo{{
				ID: "o1", URL: "rtmp://a/app/****", Canvas: "vertical", State: StateReconnecting, Bytes: 1000, BitrateKbps: 2400,
				Reconnects: 2, DroppedFrames: 3, Error: "refused", DownSince: &t1, NextRetryAt: &t2, MaxRetrySeconds: 90,
			}, {ID: "o2", URL: "rtmp://b/app/****", State: StateLive}},
			Record: &RecordInfo{
				RecordingID: "RC_1", State: StateDegraded, Segments: 10, Bytes: 1 << 20, Duration: 40.5, PendingUploads: 1,
				Error: "upload failed", SpoolSecondsLeft: &left, Dropped: dropped,
			},
		},
		Cost: 150, MeasuredCPU: 120.5, EncodeSeconds: 12.25, DecodeSeconds: 3.5,
		Canvases: []CanvasInfo{{Name: "main", Width: 1280, Height: 720, FramesEncoded: 900, Outputs: 1}},
		Quality: &QualityInfo{
			Participants: []ParticipantQuality{{ID: "p1", Name: "ann", AVOffsetMeanMs: 12.5, AVOffsetMaxMs: 40, FramesShown: 900,
				FramesRepeated: 3, FramesSkipped: 1, VideoGaps: 1, AudioGaps: 2, DecodeErrors: 0}},
			Canvases:  []CanvasQuality{{Name: "main", FramesEncoded: 900, FramesUnchanged: 10, FramesDropped: 1, EncodeMsP50: 4.5, EncodeMsP99: 12.75}},
			Recording: dropped,
		},
	}
}

// wireUpdate is a live change with every field set.
func wireUpdate() Update {
	yes := true
	return Update{
		AddRTMP:    []Target{{URL: "rtmp://d/app/k4"}, {URL: "rtmp://e/app/k5", Canvas: "vertical", MaxRetrySeconds: 30}},
		RemoveRTMP: []string{"o1"},
		LayoutSpec: LayoutSpec{Layout: LayoutSpeaker, Thumbnails: &yes, Fit: "contain"},
	}
}

// TestWireFormat: each value marshals to its testdata file byte for byte,
// and the file reads back to the value (but Info.Tenant, never sent).
func TestWireFormat(t *testing.T) {
	info := wireInfo()
	for _, tc := range []struct {
		file string
		v    any
		back any // the value read back
	}{
		{"spec.json", wireSpec(), &Spec{}},
		{"info.json", info, &Info{}},
		{"update.json", wireUpdate(), &Update{}},
	} {
		want, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.MarshalIndent(tc.v, "", "  ")
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if got = append(got, '\n'); !bytes.Equal(got, want) {
			t.Errorf("%s: marshal =\n%s\nwant\n%s", tc.file, got, want)
		}
		dec := json.NewDecoder(bytes.NewReader(want))
		dec.DisallowUnknownFields()
		if err := dec.Decode(tc.back); err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		wantBack := tc.v
		if i, ok := wantBack.(Info); ok {
			i.Tenant = ""
			wantBack = i
		}
		if back := reflect.ValueOf(tc.back).Elem().Interface(); !reflect.DeepEqual(back, wantBack) {
			t.Errorf("%s: read back %+v, want %+v", tc.file, back, wantBack)
		}
	}
	if info.Tenant == "" {
		t.Fatal("the fixture should carry a tenant, which the JSON leaves out")
	}
}

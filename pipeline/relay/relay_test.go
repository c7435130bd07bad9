package relay

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/pion/rtp"

	"github.com/roomcast/roomcast/pipeline/rtc"
)

func TestRoundTrip(t *testing.T) {
	info := rtc.TrackInfo{ID: "TR_1", Kind: "video", Codec: "H264", ParticipantID: "PA_1", ParticipantName: "ann", Source: "screen"}
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, PayloadType: 102, SequenceNumber: 65535, Timestamp: 0xfffffff0, SSRC: 7}, Payload: []byte{1, 2, 3}}
	probe := &rtp.Packet{Header: rtp.Header{Version: 2, Padding: true, PayloadType: 102, SequenceNumber: 9, SSRC: 7, PaddingSize: 200}, PaddingSize: 200}
	var b []byte
	b, err := AppendTrackAdd(b, Track{ID: 3, ClockRate: 90000, SSRC: 7, Info: info})
	if err != nil {
		t.Fatal(err)
	}
	if b, err = AppendRTP(b, 3, pkt); err != nil {
		t.Fatal(err)
	}
	if b, err = AppendRTP(b, 3, probe); err != nil {
		t.Fatal(err)
	}
	b = AppendSenderReport(b, SenderReport{ID: 3, NTP: 1 << 63, RTPTime: 42})
	b = AppendID(b, TypeKeyframeRequest, 3)
	b = AppendEmpty(b, TypePing)
	b = AppendID(b, TypeTrackRemove, 3)
	b = AppendBye(b, "room deleted")

	r := NewReader(bufio.NewReader(bytes.NewReader(b)))
	next := func(want Type) []byte {
		t.Helper()
		f, err := r.Next()
		if err != nil || f.Type != want {
			t.Fatalf("frame %v, %v; want type %d", f, err, want)
		}
		return f.Payload
	}
	if tr, err := ParseTrackAdd(next(TypeTrackAdd)); err != nil || tr != (Track{ID: 3, ClockRate: 90000, SSRC: 7, Info: info}) {
		t.Fatalf("track add %+v, %v", tr, err)
	}
	id, got, err := ParseRTP(next(TypeRTP))
	if err != nil || id != 3 || got.SequenceNumber != 65535 || got.Timestamp != 0xfffffff0 || !got.Marker || !bytes.Equal(got.Payload, pkt.Payload) {
		t.Fatalf("rtp %d %+v, %v", id, got, err)
	}
	_, got, err = ParseRTP(next(TypeRTP))
	if err != nil || !got.Padding || len(got.Payload) != 0 || got.PaddingSize != 200 {
		t.Fatalf("padding-only rtp %+v, %v", got, err)
	}
	if sr, err := ParseSenderReport(next(TypeSenderReport)); err != nil || sr != (SenderReport{ID: 3, NTP: 1 << 63, RTPTime: 42}) {
		t.Fatalf("sender report %+v, %v", sr, err)
	}
	if id, err := ParseID(next(TypeKeyframeRequest)); err != nil || id != 3 {
		t.Fatalf("keyframe request %d, %v", id, err)
	}
	if p := next(TypePing); len(p) != 0 {
		t.Fatalf("ping payload %x", p)
	}
	if id, err := ParseID(next(TypeTrackRemove)); err != nil || id != 3 {
		t.Fatalf("track remove %d, %v", id, err)
	}
	if p := next(TypeBye); string(p) != "room deleted" {
		t.Fatalf("bye %q", p)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

func TestReaderErrors(t *testing.T) {
	ping := AppendEmpty(nil, TypePing)
	rtpFrame, err := AppendRTP(nil, 1, &rtp.Packet{Header: rtp.Header{Version: 2}, Payload: []byte{1}})
	if err != nil {
		t.Fatal(err)
	}
	huge := appendHeader(nil, TypeRTP, MaxPayload+1)
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"cut header", ping[:3], io.ErrUnexpectedEOF},
		{"cut payload", rtpFrame[:len(rtpFrame)-1], io.ErrUnexpectedEOF},
		{"too large", huge, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tc.in)).Next()
			if !errors.Is(err, tc.want) {
				t.Fatalf("Next: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		parse func() error
	}{
		{"short track add", func() error { _, err := ParseTrackAdd(make([]byte, 11)); return err }},
		{"bad track json", func() error { _, err := ParseTrackAdd(append(make([]byte, 12), '{')); return err }},
		{"short id", func() error { _, err := ParseID([]byte{1, 2, 3}); return err }},
		{"long id", func() error { _, err := ParseID(make([]byte, 5)); return err }},
		{"short rtp", func() error { _, _, err := ParseRTP([]byte{0, 0, 1}); return err }},
		{"bad rtp", func() error { _, _, err := ParseRTP([]byte{0, 0, 0, 1, 0x80}); return err }},
		{"short sender report", func() error { _, err := ParseSenderReport(make([]byte, 15)); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.parse(); !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
}

func TestAppendTooLarge(t *testing.T) {
	big := &rtp.Packet{Header: rtp.Header{Version: 2}, Payload: make([]byte, MaxPayload)}
	b, err := AppendRTP([]byte{9}, 1, big)
	if !errors.Is(err, ErrTooLarge) || !bytes.Equal(b, []byte{9}) {
		t.Fatalf("AppendRTP of a huge packet: %x…, %v", b[:min(len(b), 8)], err)
	}
	bad := &rtp.Packet{Header: rtp.Header{Version: 2, Padding: true}} // padding flag, no padding
	if b, err = AppendRTP([]byte{9}, 1, bad); err == nil || !bytes.Equal(b, []byte{9}) {
		t.Fatalf("AppendRTP of a bad packet: %x, %v", b, err)
	}
	bye := AppendBye(nil, string(make([]byte, MaxPayload+10)))
	if f, err := NewReader(bufio.NewReader(bytes.NewReader(bye))).Next(); err != nil || len(f.Payload) != MaxPayload {
		t.Fatalf("long bye: %d bytes, %v", len(f.Payload), err)
	}
}

// FuzzReader reads arbitrary bytes as frames and parses each by its type:
// nothing may panic, and what parses must append back to the same frame.
func FuzzReader(f *testing.F) {
	seed, _ := AppendTrackAdd(nil, Track{ID: 1, ClockRate: 48000, SSRC: 5, Info: rtc.TrackInfo{ID: "a", Kind: "audio", Codec: "opus"}})
	seed, _ = AppendRTP(seed, 1, &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: 1}, Payload: []byte{0xfc}})
	seed = AppendSenderReport(seed, SenderReport{ID: 1, NTP: 5, RTPTime: 6})
	seed = AppendID(seed, TypeTrackRemove, 1)
	f.Add(seed)
	f.Add(AppendBye(AppendEmpty(nil, TypePing), "bye"))
	f.Add([]byte{3, 0, 0, 0, 4, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in))
		for {
			fr, err := r.Next()
			if err != nil {
				return
			}
			checkFrame(t, fr)
		}
	})
}

func checkFrame(t *testing.T, fr Frame) {
	switch fr.Type {
	case TypeTrackAdd:
		if tr, err := ParseTrackAdd(fr.Payload); err == nil {
			if _, err := AppendTrackAdd(nil, tr); err != nil {
				t.Fatalf("track %+v parsed but does not append: %v", tr, err)
			}
		}
	case TypeRTP:
		if id, p, err := ParseRTP(fr.Payload); err == nil {
			if _, err := AppendRTP(nil, id, p); err != nil && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("packet parsed but does not append: %v", err)
			}
		}
	case TypeSenderReport:
		if sr, err := ParseSenderReport(fr.Payload); err == nil {
			out := AppendSenderReport(nil, sr)
			if !bytes.Equal(out[HeaderSize:], fr.Payload) {
				t.Fatalf("sender report %x appends as %x", fr.Payload, out[HeaderSize:])
			}
		}
	case TypeTrackRemove, TypeKeyframeRequest:
		_, _ = ParseID(fr.Payload)
	}
}

package synth

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/roomcast/roomcast/pipeline/codec"
	"github.com/roomcast/roomcast/pipeline/media"
)

func TestParseSpeak(t *testing.T) {
	s := time.Second
	cases := []struct {
		in   string
		want []SpeakSpan
	}{
		{"", nil},
		{"  ", nil},
		{"0-5s,10-15s", []SpeakSpan{{0, 5 * s}, {10 * s, 15 * s}}},
		{"0-5", []SpeakSpan{{0, 5 * s}}},
		{"1m-1m30s", []SpeakSpan{{time.Minute, 90 * s}}},
		{"2.5s-4s", []SpeakSpan{{2500 * time.Millisecond, 4 * s}}},
		{"1.5-2", []SpeakSpan{{1500 * time.Millisecond, 2 * s}}},
		{"20s-", []SpeakSpan{{20 * s, 0}}},
		{"0-", []SpeakSpan{{0, 0}}},
		{" 0 - 5s , 5s-6s ,7s - ", []SpeakSpan{{0, 5 * s}, {5 * s, 6 * s}, {7 * s, 0}}}, // spaces; touching spans
		{"500ms-1h", []SpeakSpan{{500 * time.Millisecond, time.Hour}}},
	}
	for _, tc := range cases {
		got, err := ParseSpeak(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseSpeak(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseSpeakRejects(t *testing.T) {
	cases := []struct{ in, want string }{
		{"5s", "START-END"},
		{"-5s", "start: missing"},
		{"x-5s", `"x" is not a duration`},
		{"1-2-3", `"2-3" is not a duration`},
		{"5s-x", "end:"},
		{"5s-3s", "end 3s is not after start 5s"},
		{"5s-5s", "end 5s is not after start 5s"},
		{"0-0", "end 0s is not after start 0s"},
		{"5s--3s", "negative"},
		{"0-5s,", "span 2"},
		{",0-5s", "span 1"},
		{"0-5s,3s-8s", "span 2 (3s-8s) starts before span 1 (0s-5s) ends"},
		{"10-15s,0-5s", "must be in order"},
		{"10s-,20s-30s", "span 2 (20s-30s) starts before span 1 (10s-) ends"},
		{"1e3-2e3", "not a duration"},
		{"NaN-1s", "not a duration"},
		{"1..5-2", "not a duration"},
		{"9999999999999h-", "not a duration"},
	}
	for _, tc := range cases {
		got, err := ParseSpeak(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSpeak(%q) = %v, %v; want an error with %q", tc.in, got, err, tc.want)
		}
	}
}

// TestNewChecksSpeakAndScreen checks that a schedule set directly in the
// Config is checked like a parsed one, and the screen frame rate too.
func TestNewChecksSpeakAndScreen(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"overlapping spans", func(c *Config) { c.Speak = []SpeakSpan{{0, 5 * time.Second}, {time.Second, 0}} }, "Speak"},
		{"empty span", func(c *Config) { c.Speak = []SpeakSpan{{time.Second, time.Second}} }, "Speak"},
		{"negative start", func(c *Config) { c.Speak = []SpeakSpan{{-time.Second, time.Second}} }, "Speak"},
		{"screen too slow", func(c *Config) { c.Screen, c.ScreenFPS = true, 4 }, "ScreenFPS"},
		{"screen too fast", func(c *Config) { c.Screen, c.ScreenFPS = true, 16 }, "ScreenFPS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validConfig()
			tc.edit(&cfg)
			if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("New: %v, want ErrInvalidConfig naming %s", err, tc.field)
			}
		})
	}
	cfg := validConfig()
	cfg.Screen, cfg.Speak = true, []SpeakSpan{{0, time.Second}, {time.Second, 0}}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if p.cfg.ScreenFPS != DefaultScreenFPS {
		t.Errorf("ScreenFPS defaults to %d, want %d", p.cfg.ScreenFPS, DefaultScreenFPS)
	}
}

// TestSpeakLoop walks a schedule over clips shorter than it: the choice
// follows the offset in the stream, and each span starts the tone afresh.
func TestSpeakLoop(t *testing.T) {
	clip := func(tag byte, n int) *audioClip {
		c := &audioClip{}
		for i := range n {
			c.packets = append(c.packets, []byte{tag, byte('0' + i)})
			c.samples = append(c.samples, 960)
		}
		return c
	}
	ms := time.Millisecond
	l := &speakLoop{tone: audioLoop{clip: clip('T', 3)}, silence: audioLoop{clip: clip('S', 2)},
		spans: []SpeakSpan{{40 * ms, 80 * ms}, {120 * ms, 0}}}
	var got []string
	for range 12 {
		u := l.next()
		if u.ticks != 960 {
			t.Fatalf("unit of %d ticks, want 960", u.ticks)
		}
		if l.silent != (u.data[0] == 'S') {
			t.Fatalf("silent = %v for %s", l.silent, u.data)
		}
		got = append(got, string(u.data))
	}
	want := "S0 S1 T0 T1 S0 S1 T0 T1 T2 T0 T1 T2"
	if strings.Join(got, " ") != want {
		t.Errorf("packets %v, want %s", got, want)
	}
}

// TestPublishSpeak publishes on a schedule whose second span crosses the
// loop of the 3 s clips, decodes the Opus the server received and wants
// digital silence outside the spans and the tone inside.
func TestPublishSpeak(t *testing.T) {
	spans, err := ParseSpeak("0.5s-1.5s,2.6s-3.4s")
	if err != nil {
		t.Fatal(err)
	}
	pub, peer := runMediaPublisher(t, func(c *Config) { c.Speak = spans })
	// In the 4 s, packet k starts at k*20 ms: k in [25, 75) and [130, 170)
	// are tone.
	if st := pub.Stats(); st.AudioFrames != 200 || st.SilentAudioFrames != 110 {
		t.Errorf("sent %d audio packets, %d of them silent; want 200 and 110", st.AudioFrames, st.SilentAudioFrames)
	}
	checkSpeakAudio(t, peer.audioLog.packets(), spans)
}

// speakEdge is how far from a span's start or end a packet must be for
// the check: the decoder's overlap and the loss of a packet or two blur
// the edges.
const speakEdge = 40 * time.Millisecond

// checkSpeakAudio decodes the packets in order and checks each away from
// the edges: silence decodes to zeros in 16-bit PCM, the tone peaks near
// 1/8. (The float decoder's de-emphasis filter leaves a denormal behind
// the tone: 1.4e-45, which is 0 at any integer sample format.)
func checkSpeakAudio(t *testing.T, pkts []*rtp.Packet, spans []SpeakSpan) {
	t.Helper()
	if len(pkts) < 190 {
		t.Fatalf("received %d audio packets, want about 200", len(pkts))
	}
	dec, err := codec.NewAudioDecoder(media.CodecOpus)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	schedule := speakLoop{spans: spans}
	var tone, silent int
	for _, pkt := range pkts {
		at := ticksToDuration(uint64(pkt.Timestamp-pkts[0].Timestamp), 48000)
		peak := decodePeak(t, dec, pkt.Payload)
		if nearSpanEdge(spans, at) {
			continue
		}
		switch speaking := schedule.speaking(at); {
		case speaking && peak < 0.05:
			t.Errorf("packet at %s, inside the spans: peak %.4f, want the tone", at, peak)
		case !speaking && math.Round(peak*32768) != 0:
			t.Errorf("packet at %s, outside the spans: peak %g, want digital silence", at, peak)
		case speaking:
			tone++
		default:
			silent++
		}
	}
	if tone < 70 || silent < 90 {
		t.Errorf("checked %d tone and %d silent packets, want at least 70 and 90", tone, silent)
	}
}

func decodePeak(t *testing.T, dec *codec.AudioDecoder, payload []byte) float64 {
	t.Helper()
	frames, err := dec.Decode(&media.Unit{Data: payload})
	if err != nil {
		t.Fatalf("decode opus: %v", err)
	}
	var peak float64
	for _, f := range frames {
		for _, s := range f.Samples {
			peak = max(peak, math.Abs(float64(s)))
		}
	}
	return peak
}

// nearSpanEdge reports whether the 20 ms packet at at comes within
// speakEdge of a span's start or end.
func nearSpanEdge(spans []SpeakSpan, at time.Duration) bool {
	for _, s := range spans {
		for _, edge := range []time.Duration{s.Start, s.End} {
			if edge != 0 && at+20*time.Millisecond > edge-speakEdge && at < edge+speakEdge {
				return true
			}
		}
	}
	return false
}

// FuzzParseSpeak checks that whatever ParseSpeak accepts is a valid
// schedule that reads back the same from its String form.
func FuzzParseSpeak(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		spans, err := ParseSpeak(s)
		if err != nil {
			if spans != nil {
				t.Fatalf("ParseSpeak(%q) returned spans with error %v", s, err)
			}
			return
		}
		if err := checkSpeak(spans); err != nil {
			t.Fatalf("ParseSpeak(%q) = %v, which is invalid: %v", s, spans, err)
		}
		parts := make([]string, len(spans))
		for i, span := range spans {
			parts[i] = span.String()
		}
		again, err := ParseSpeak(strings.Join(parts, ","))
		if err != nil || !slices.Equal(again, spans) {
			t.Fatalf("ParseSpeak(%q) = %v, which reads back as %v, %v", s, spans, again, err)
		}
	})
}

package composite_test

import (
	"math"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
)

const blockDur = 20 * time.Millisecond

// voice is the level one participant sends during a phase, in every
// block or, when every > 1, in one block of every.
type voice struct {
	id    string
	db    float64
	every int
}

// phase is a stretch of time during which each listed participant sends a
// 20 ms block at its level; unlisted participants send nothing.
type phase struct {
	dur    time.Duration
	voices []voice
}

// speakerChange is a change of speaker at a PTS.
type speakerChange struct {
	at      time.Duration
	speaker string
}

// repeat returns the phases one after the other, n times over.
func repeat(n int, phases ...phase) []phase {
	var out []phase
	for range n {
		out = append(out, phases...)
	}
	return out
}

// drive feeds the phases to s from start on and returns the changes and
// the PTS where the script ended.
func drive(t *testing.T, s *composite.SpeakerSelector, start time.Duration, phases []phase) ([]speakerChange, time.Duration) {
	t.Helper()
	var changes []speakerChange
	pts := start
	for _, ph := range phases {
		for i, end := 0, pts+ph.dur; pts < end; i, pts = i+1, pts+blockDur {
			for _, v := range ph.voices {
				if v.every > 1 && i%v.every != 0 {
					continue
				}
				if sp, changed := s.Observe(v.id, pts, v.db); changed {
					changes = append(changes, speakerChange{pts, sp})
				}
			}
		}
	}
	return changes, pts
}

func newSelector(t *testing.T, cfg composite.SpeakerConfig) *composite.SpeakerSelector {
	t.Helper()
	s, err := composite.NewSpeakerSelector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const (
	talk  = -20.0 // dBFS of speech
	quiet = -90.0 // dBFS of a muted or silent room
)

func TestSpeakerSelector(t *testing.T) {
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	for _, c := range []struct {
		name   string
		cfg    composite.SpeakerConfig
		start  time.Duration // PTS of the first block
		phases []phase
		// want lists the speakers in order of change; within is how far
		// the n-th change may be from wantAt[n] (when wantAt is set).
		want   []string
		wantAt []time.Duration
		within time.Duration
	}{
		{
			name:   "first participant seen is the speaker",
			phases: []phase{{sec(5), []voice{{"a", quiet, 0}, {"b", quiet, 0}, {"c", quiet, 0}}}},
			want:   []string{"a"},
		},
		{
			name:   "first seen even when another is louder at once",
			phases: []phase{{sec(1), []voice{{"a", quiet, 0}, {"b", talk, 0}}}},
			want:   []string{"a"},
		},
		{
			name: "silence does not take the floor",
			phases: []phase{
				{sec(10), []voice{{"a", quiet, 0}, {"b", -55, 0}, {"c", -51, 0}}},
			},
			want: []string{"a"},
		},
		{
			name: "speech above the threshold takes the floor from a silent first speaker",
			// b at -45 crosses -50 after 0.3·ln 15 = 0.81 s, then holds 1.5 s.
			phases: []phase{{sec(5), []voice{{"a", quiet, 0}, {"b", -45, 0}}}},
			want:   []string{"a", "b"},
			wantAt: []time.Duration{0, sec(2.32)},
			within: sec(0.05),
		},
		{
			name: "switch after sustained louder speech",
			// At 3 s b starts and a stops: b is 6 dB above a (and above
			// -50) after 0.35 s, and takes the floor 1.5 s later.
			phases: []phase{
				{sec(3), []voice{{"a", talk, 0}, {"b", quiet, 0}}},
				{sec(5), []voice{{"a", -60, 0}, {"b", talk, 0}}},
			},
			want:   []string{"a", "b"},
			wantAt: []time.Duration{0, sec(3 + 0.35 + 1.5)},
			within: sec(0.05),
		},
		{
			name: "louder speech over a talking speaker takes the floor",
			phases: []phase{
				{sec(3), []voice{{"a", talk, 0}, {"b", quiet, 0}}},
				{sec(5), []voice{{"a", talk, 0}, {"b", -10, 0}}},
			},
			want: []string{"a", "b"},
		},
		{
			name: "less than the margin does not take the floor",
			phases: []phase{
				{sec(3), []voice{{"a", talk, 0}, {"b", quiet, 0}}},
				{sec(10), []voice{{"a", talk, 0}, {"b", talk + 5, 0}}},
			},
			want: []string{"a"},
		},
		{
			name: "no flapping on alternating one-second bursts",
			phases: append([]phase{{sec(3), []voice{{"a", talk, 0}, {"b", quiet, 0}}}}, repeat(10,
				phase{sec(1), []voice{{"a", quiet, 0}, {"b", talk, 0}}},
				phase{sec(1), []voice{{"a", talk, 0}, {"b", quiet, 0}}},
			)...),
			want: []string{"a"},
		},
		{
			name: "no flapping on short interjections over a pausing speaker",
			phases: append([]phase{{sec(3), []voice{{"a", talk, 0}, {"b", quiet, 0}}}}, repeat(10,
				phase{sec(0.3), []voice{{"a", quiet, 0}, {"b", -5, 0}}},
				phase{sec(1.2), []voice{{"a", talk, 0}, {"b", quiet, 0}}},
			)...),
			want: []string{"a"},
		},
		{
			name: "a burst just longer than the hold switches",
			phases: []phase{
				{sec(3), []voice{{"a", talk, 0}, {"b", quiet, 0}}},
				{sec(2.2), []voice{{"a", quiet, 0}, {"b", talk, 0}}},
				{sec(3), []voice{{"a", quiet, 0}, {"b", quiet, 0}}},
			},
			want: []string{"a", "b"},
		},
		{
			name: "minimum tenure holds a speaker who just took the floor",
			cfg:  composite.SpeakerConfig{Hold: 500 * time.Millisecond, MinTenure: 3 * time.Second},
			// a takes the floor from silent x at 0.35+0.5 = 0.85 s. b
			// starts then and wins its challenge 0.35+0.5 s later, but
			// must wait for a's 3 s.
			phases: []phase{
				{sec(0.86), []voice{{"x", quiet, 0}, {"a", talk, 0}, {"b", quiet, 0}}},
				{sec(10), []voice{{"x", quiet, 0}, {"a", quiet, 0}, {"b", talk, 0}}},
			},
			want:   []string{"x", "a", "b"},
			wantAt: []time.Duration{0, sec(0.85), sec(0.85 + 3)},
			within: sec(0.03),
		},
		{
			name: "minimum tenure with the default config",
			// a wins at 1.86 s; b starts at 1.9 s, is ahead at ~2.25 s and
			// has held 1.5 s at ~3.75 s, before a's 2 s tenure ends at
			// 3.86 s.
			phases: []phase{
				{sec(1.9), []voice{{"x", quiet, 0}, {"a", talk, 0}, {"b", quiet, 0}}},
				{sec(10), []voice{{"x", quiet, 0}, {"a", quiet, 0}, {"b", talk, 0}}},
			},
			want:   []string{"x", "a", "b"},
			wantAt: []time.Duration{0, sec(1.86), sec(1.86 + 2)},
			within: sec(0.03),
		},
		{
			name: "the loudest of several challengers wins",
			phases: []phase{
				{sec(3), []voice{{"a", talk, 0}, {"b", quiet, 0}, {"c", quiet, 0}}},
				{sec(5), []voice{{"a", quiet, 0}, {"b", -30, 0}, {"c", -25, 0}}},
			},
			want: []string{"a", "c"},
		},
		{
			name: "equal challengers: the earlier joined wins",
			phases: []phase{
				{sec(3), []voice{{"a", talk, 0}, {"b", quiet, 0}, {"c", quiet, 0}}},
				{sec(5), []voice{{"a", quiet, 0}, {"c", -25, 0}, {"b", -25, 0}}},
			},
			want: []string{"a", "b"},
		},
		{
			name: "gaps between blocks count as silence",
			// b sends one block in five: 20 ms of speech, 80 ms of
			// nothing, and never gets near -50 dBFS.
			phases: []phase{
				{sec(10), []voice{{"a", quiet, 0}, {"b", talk, 5}}},
			},
			want: []string{"a"},
		},
		{
			name: "a speaker gone quiet in DTX loses the floor",
			phases: []phase{
				{sec(3), []voice{{"a", talk, 0}, {"b", quiet, 0}}},
				{sec(5), []voice{{"b", talk, 0}}}, // a sends nothing
			},
			want:   []string{"a", "b"},
			wantAt: []time.Duration{0, sec(3 + 0.1 + 1.5)},
			within: sec(0.35),
		},
		{
			name:  "negative PTS",
			start: -2 * time.Second,
			phases: []phase{
				{sec(3), []voice{{"a", talk, 0}, {"b", quiet, 0}}},
				{sec(5), []voice{{"a", quiet, 0}, {"b", talk, 0}}},
			},
			// b is above -50 dBFS after 0.25 s, 6 dB above a before that.
			want:   []string{"a", "b"},
			wantAt: []time.Duration{0, sec(3 + 0.25 + 1.5)},
			within: sec(0.03),
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSelector(t, c.cfg)
			changes, _ := drive(t, s, c.start, c.phases)
			if len(changes) != len(c.want) {
				t.Fatalf("changes %v, want speakers %v", changes, c.want)
			}
			for i, ch := range changes {
				if ch.speaker != c.want[i] {
					t.Fatalf("changes %v, want speakers %v", changes, c.want)
				}
				if c.wantAt != nil && absDur(ch.at-c.start-c.wantAt[i]) > c.within {
					t.Errorf("change %d to %s at %v, want %v ± %v", i, ch.speaker, ch.at-c.start, c.wantAt[i], c.within)
				}
			}
			if got := s.Current(); got != c.want[len(c.want)-1] {
				t.Errorf("Current = %q, want %q", got, c.want[len(c.want)-1])
			}
		})
	}
}

func TestSpeakerSelectorRemove(t *testing.T) {
	for _, c := range []struct {
		name        string
		voices      []voice
		remove      []string
		want        string
		wantChanged bool
	}{
		{
			name:        "speaker leaves: the loudest remaining takes over at once",
			voices:      []voice{{"a", talk, 0}, {"b", -40, 0}, {"c", -30, 0}, {"d", quiet, 0}},
			remove:      []string{"a"},
			want:        "c",
			wantChanged: true,
		},
		{
			name:        "speaker leaves: all silent, the earliest joined takes over",
			voices:      []voice{{"a", talk, 0}, {"b", quiet, 0}, {"c", -55, 0}, {"d", quiet, 0}},
			remove:      []string{"a"},
			want:        "b",
			wantChanged: true,
		},
		{
			name:        "someone else leaves: no change",
			voices:      []voice{{"a", talk, 0}, {"b", -30, 0}},
			remove:      []string{"b"},
			want:        "a",
			wantChanged: false,
		},
		{
			name:        "an unknown participant leaves: no change",
			voices:      []voice{{"a", talk, 0}},
			remove:      []string{"zz"},
			want:        "a",
			wantChanged: false,
		},
		{
			name:        "the last one leaves",
			voices:      []voice{{"a", talk, 0}, {"b", quiet, 0}},
			remove:      []string{"b", "a"},
			want:        "",
			wantChanged: true,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSelector(t, composite.SpeakerConfig{})
			_, end := drive(t, s, 0, []phase{{2 * time.Second, c.voices}})
			var got string
			var changed bool
			for _, id := range c.remove {
				got, changed = s.Remove(id)
			}
			if got != c.want || changed != c.wantChanged || s.Current() != c.want {
				t.Fatalf("Remove = %q, %v (Current %q), want %q, %v", got, changed, s.Current(), c.want, c.wantChanged)
			}
			if c.want == "" {
				if sp, changed := s.Observe("e", end, quiet); sp != "e" || !changed {
					t.Errorf("Observe after everyone left = %q, %v, want e, true", sp, changed)
				}
			}
		})
	}
}

// TestSpeakerSelectorRemoveRestartsTenure checks that a speaker who took
// over from a leaver by being loudest keeps the floor for MinTenure.
func TestSpeakerSelectorRemoveRestartsTenure(t *testing.T) {
	s := newSelector(t, composite.SpeakerConfig{Hold: 100 * time.Millisecond, MinTenure: 3 * time.Second})
	_, end := drive(t, s, 0, []phase{{2 * time.Second, []voice{{"a", talk, 0}, {"b", -40, 0}, {"c", -30, 0}}}})
	if sp, _ := s.Remove("a"); sp != "c" {
		t.Fatalf("Remove(a) gave %q, want c", sp)
	}
	changes, _ := drive(t, s, end, []phase{{4 * time.Second, []voice{{"b", talk, 0}, {"c", quiet, 0}}}})
	if len(changes) != 1 || changes[0].speaker != "b" || changes[0].at-end < 3*time.Second-blockDur {
		t.Fatalf("changes %v, want b once c's 3 s from %v are over", changes, end)
	}
}

func TestSpeakerSelectorIgnoresBadLevelsAndStaleBlocks(t *testing.T) {
	s := newSelector(t, composite.SpeakerConfig{})
	changes, end := drive(t, s, 0, []phase{{3 * time.Second, []voice{{"a", talk, 0}, {"b", quiet, 0}}}})
	// NaN and -Inf count as silence; a block from the past changes
	// nothing; +Inf counts as 0 dBFS but is one block only.
	s.Observe("b", end-blockDur, math.Inf(1))
	for i := range 200 {
		pts := end + time.Duration(i)*blockDur
		for _, db := range []float64{math.NaN(), math.Inf(-1)} {
			if _, changed := s.Observe("b", pts, db); changed {
				t.Fatal("a silent level changed the speaker")
			}
		}
		if _, changed := s.Observe("b", 0, 0); changed {
			t.Fatal("a stale block changed the speaker")
		}
		if _, changed := s.Observe("a", pts, talk); changed {
			t.Fatal("the speaker changed")
		}
	}
	if len(changes) != 1 || s.Current() != "a" {
		t.Fatalf("changes %v, Current %q", changes, s.Current())
	}
}

func TestSpeakerConfigValidate(t *testing.T) {
	for _, c := range []composite.SpeakerConfig{
		{Smoothing: -1},
		{SilenceDBFS: 3},
		{SilenceDBFS: -200},
		{MarginDB: -1},
		{Hold: -1},
		{MinTenure: -1},
		{Block: -1},
		{Stale: -1},
	} {
		if _, err := composite.NewSpeakerSelector(c); err == nil {
			t.Errorf("NewSpeakerSelector(%+v) accepted it", c)
		}
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

package synth

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// SpeakSpan is a stretch of a speaking schedule, in offsets from the moment
// media starts flowing: the participant speaks in [Start, End). End 0 is
// open: speaking from Start to the end of publishing.
type SpeakSpan struct {
	Start, End time.Duration
}

// String is the span as ParseSpeak reads it, e.g. "10s-15s" or "20s-".
func (s SpeakSpan) String() string {
	if s.End == 0 {
		return s.Start.String() + "-"
	}
	return s.Start.String() + "-" + s.End.String()
}

// contains reports whether the offset at falls in the span.
func (s SpeakSpan) contains(at time.Duration) bool {
	return at >= s.Start && (s.End == 0 || at < s.End)
}

func (s SpeakSpan) check() error {
	if s.Start < 0 {
		return fmt.Errorf("start %s is negative", s.Start)
	}
	if s.End != 0 && s.End <= s.Start {
		return fmt.Errorf("end %s is not after start %s", s.End, s.Start)
	}
	return nil
}

// ParseSpeak parses a speaking schedule: comma-separated spans START-END,
// each bound a Go duration ("1m30s", "2.5s") or a plain number of seconds
// ("10"), counted from the start of publishing. A span without an END
// ("20s-") lasts to the end. The spans must be in order and must not
// overlap; they may touch. A blank schedule is nil: always speaking.
//
// Examples: "0-5s,10-15s", "1m-1m30s,2m-", "2.5s-4s".
func ParseSpeak(s string) ([]SpeakSpan, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var spans []SpeakSpan
	for i, part := range strings.Split(s, ",") {
		span, err := parseSpeakSpan(part)
		if err != nil {
			return nil, fmt.Errorf("span %d %q: %w", i+1, strings.TrimSpace(part), err)
		}
		spans = append(spans, span)
	}
	if err := checkSpeak(spans); err != nil {
		return nil, err
	}
	return spans, nil
}

func parseSpeakSpan(s string) (SpeakSpan, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return SpeakSpan{}, errors.New("want START-END or START-, e.g. 0-5s or 20s-")
	}
	start, err := parseOffset(from)
	if err != nil {
		return SpeakSpan{}, fmt.Errorf("start: %w", err)
	}
	span := SpeakSpan{Start: start}
	if strings.TrimSpace(to) == "" {
		return span, nil
	}
	if span.End, err = parseOffset(to); err != nil {
		return SpeakSpan{}, fmt.Errorf("end: %w", err)
	}
	if span.End <= span.Start { // an explicit end of 0 would read as open
		return SpeakSpan{}, fmt.Errorf("end %s is not after start %s", span.End, span.Start)
	}
	return span, nil
}

// parseOffset reads a Go duration or a plain number of seconds.
func parseOffset(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("missing")
	}
	in := s
	if strings.Trim(s, "0123456789.") == "" {
		in += "s"
	}
	d, err := time.ParseDuration(in)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration like 5s, 1m30s or 2.5 (seconds)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%s is negative", s)
	}
	return d, nil
}

// checkSpeak validates a schedule: each span on its own, then their order.
func checkSpeak(spans []SpeakSpan) error {
	for i, s := range spans {
		if err := s.check(); err != nil {
			return fmt.Errorf("span %d (%s): %w", i+1, s, err)
		}
		if i == 0 {
			continue
		}
		if prev := spans[i-1]; prev.End == 0 || s.Start < prev.End {
			return fmt.Errorf("span %d (%s) starts before span %d (%s) ends: spans must be in order and must not overlap",
				i+1, s, i, prev)
		}
	}
	return nil
}

// speakLoop is the audio of a Speak schedule: at each packet it picks the
// tone or the silence by the packet's offset in the stream, so the
// schedule follows the RTP timeline whatever the clips' loop length. Both
// are 20 ms packets, so the pacing and the timestamps run on without a
// gap. Each span starts the tone clip from its first packet, which its
// encoder coded from a fresh state as the decoder's is after silence: a
// packet from the middle would be predicted from the tone before it, and
// the decoder would ramp up over a hundred milliseconds.
type speakLoop struct {
	tone, silence audioLoop
	spans         []SpeakSpan
	elapsed       uint64 // 48 kHz ticks handed out so far
	silent        bool   // the last unit handed out was silence
}

func (l *speakLoop) next() unit {
	wasSilent := l.silent
	l.silent = !l.speaking(ticksToDuration(l.elapsed, 48000))
	if wasSilent && !l.silent {
		l.tone.idx = 0
	}
	var u unit
	if l.silent {
		u = l.silence.next()
	} else {
		u = l.tone.next()
	}
	l.elapsed += uint64(u.ticks)
	return u
}

func (l *speakLoop) speaking(at time.Duration) bool {
	for _, s := range l.spans {
		if s.contains(at) {
			return true
		}
	}
	return false
}

// silenceSpec is the silent clip: digital silence, encoded like the tone so
// the two can be spliced packet by packet.
func silenceSpec() clipSpec {
	return opusSpec("opus-silence", "anullsrc=channel_layout=stereo:sample_rate=48000")
}

// audioSource is what the audio pacer sends: the tone, or with a Speak
// schedule the tone inside its spans and silence outside. written is
// called for each unit written and counts the silent ones.
func (p *Publisher) audioSource(c clips) (next func() unit, written func()) {
	if c.silence == nil {
		tone := &audioLoop{clip: c.audio}
		return tone.next, func() {}
	}
	l := &speakLoop{tone: audioLoop{clip: c.audio}, silence: audioLoop{clip: c.silence}, spans: p.cfg.Speak}
	return l.next, func() {
		if l.silent {
			p.stats.silentAudioFrames.Add(1)
		}
	}
}

package composite

import (
	"sync"
	"time"
)

// SpeakerSelector picks the active speaker of a room from the audio level
// of each participant, with hold-off so that the choice does not flap.
// Everything runs on PTS, never on the wall clock.
//
// The rules, with the SpeakerConfig defaults in brackets:
//
//   - Levels are smoothed per participant by an exponential moving average
//     in dB over PTS time [time constant 300 ms]. Each level stands for a
//     block of [20 ms]; gaps count as silence, and a participant that sends
//     nothing for [100 ms] (DTX, mute) decays towards silence.
//   - Before anyone has been chosen, the first participant observed is the
//     speaker, whatever its level.
//   - A participant challenges the speaker while its smoothed level is at
//     least the silence threshold [−50 dBFS] and at least a margin [6 dB]
//     above the speaker's. A challenge that lasts without a break for the
//     hold time [1.5 s] takes the floor, provided the speaker has held it
//     for the minimum tenure [2 s]. Of several such challengers the
//     loudest wins. The minimum tenure does not protect a speaker who never
//     spoke: the first participant observed, or a silent fallback after a
//     Remove.
//   - When the speaker leaves (Remove), the loudest remaining participant
//     at or above the silence threshold takes the floor at once; when all
//     are below it, the earliest joined one does.
//   - Ties go to the participant observed first.
//
// Time is the largest PTS observed so far. A SpeakerSelector is safe for
// concurrent use.
type SpeakerSelector struct {
	mu  sync.Mutex
	cfg SpeakerConfig

	parts map[string]*speakerLevel
	joins uint64
	now   time.Duration

	current string
	since   time.Duration // when current took the floor
	earned  bool          // current took the floor by speaking
}

// NewSpeakerSelector returns a selector with no participants.
func NewSpeakerSelector(cfg SpeakerConfig) (*SpeakerSelector, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &SpeakerSelector{cfg: cfg, parts: map[string]*speakerLevel{}}, nil
}

// Observe feeds the level in dBFS (see Level) of the audio block of
// participant at pts, adding the participant on its first block. It
// returns the speaker and whether this block changed it.
func (s *SpeakerSelector) Observe(participant string, pts time.Duration, levelDBFS float64) (speaker string, changed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.participant(participant, pts)
	p.observe(pts, clampLevel(levelDBFS), &s.cfg)
	s.now = max(s.now, pts)
	if s.current == "" {
		s.take(participant, false)
		return s.current, true
	}
	return s.current, s.evaluate()
}

// Remove forgets participant. When it was the speaker, the floor passes at
// once (see SpeakerSelector). It returns the speaker and whether it
// changed; the speaker is "" when nobody is left.
func (s *SpeakerSelector) Remove(participant string) (speaker string, changed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.parts[participant]; !ok {
		return s.current, false
	}
	delete(s.parts, participant)
	if participant != s.current {
		return s.current, false
	}
	s.current = ""
	if next, loud := s.successor(); next != "" {
		s.take(next, loud)
	}
	return s.current, true
}

// Current returns the speaker, or "" before the first Observe.
func (s *SpeakerSelector) Current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// participant returns the state of id, adding it when new.
func (s *SpeakerSelector) participant(id string, pts time.Duration) *speakerLevel {
	p, ok := s.parts[id]
	if !ok {
		if len(s.parts) == 0 && s.joins == 0 {
			s.now = pts
		}
		p = newSpeakerLevel(s.joins, pts)
		s.joins++
		s.parts[id] = p
	}
	return p
}

// evaluate updates the challenges against the speaker and hands over the
// floor when one has won; it reports whether it did.
func (s *SpeakerSelector) evaluate() bool {
	cur := s.parts[s.current]
	curDB := cur.effective(s.now, &s.cfg)
	var best *speakerLevel
	var bestID string
	var bestDB float64
	for id, p := range s.parts {
		if p == cur {
			continue
		}
		db := p.effective(s.now, &s.cfg)
		if p.challenge(db, curDB, s.now, &s.cfg) && (best == nil || p.louder(db, best, bestDB)) {
			best, bestID, bestDB = p, id, db
		}
	}
	if best == nil || s.earned && s.now-s.since < s.cfg.MinTenure {
		return false
	}
	s.take(bestID, true)
	return true
}

// successor returns who takes the floor from a departed speaker: the
// loudest participant at or above the silence threshold (loud), else the
// earliest joined one; "" when nobody is left.
func (s *SpeakerSelector) successor() (id string, loud bool) {
	var best, first *speakerLevel
	var bestID, firstID string
	var bestDB float64
	for pid, p := range s.parts {
		if first == nil || p.joined < first.joined {
			first, firstID = p, pid
		}
		db := p.effective(s.now, &s.cfg)
		if db >= s.cfg.SilenceDBFS && (best == nil || p.louder(db, best, bestDB)) {
			best, bestID, bestDB = p, pid, db
		}
	}
	if best != nil {
		return bestID, true
	}
	return firstID, false
}

// take gives the floor to id now; earned says whether by speaking.
func (s *SpeakerSelector) take(id string, earned bool) {
	s.current, s.since, s.earned = id, s.now, earned
	for _, p := range s.parts {
		p.challenging = false
	}
}

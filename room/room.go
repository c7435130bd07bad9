package room

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"
)

// room is one named room: its publishers (participants) and subscribers.
type room struct {
	env    *env
	log    *slog.Logger
	tenant string
	name   string
	// maxParticipants is this room's cap (the Manager's, or lower).
	maxParticipants int

	mu           sync.Mutex
	participants []*participant // join order
	subscribers  []*subscriber
	locals       []*localSubscription // in-process subscribers (local_subscription.go)
	closed       bool
}

func newRoom(e *env, tenant, name string, maxParticipants int) *room {
	if maxParticipants <= 0 || maxParticipants > e.maxParticipants {
		maxParticipants = e.maxParticipants
	}
	log := e.log.With("room", name)
	if tenant != "" {
		log = log.With("tenant", tenant)
	}
	return &room{env: e, log: log, tenant: tenant, name: name, maxParticipants: maxParticipants}
}

func (r *room) info() Info {
	r.mu.Lock()
	ps := slices.Clone(r.participants)
	subs, relays := len(r.subscribers), 0
	for _, l := range r.locals {
		if l.relay() {
			relays++
		}
	}
	locals := len(r.locals) - relays
	r.mu.Unlock()
	info := Info{
		Name: r.name, Participants: make([]ParticipantInfo, 0, len(ps)),
		Subscribers: subs, LocalSubscribers: locals, RelaySubscribers: relays,
	}
	for _, p := range ps {
		info.Participants = append(info.Participants, p.info())
	}
	return info
}

// addParticipant admits a publisher unless the room is full or deleted.
func (r *room) addParticipant(p *participant) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.admitLocked(); err != nil {
		return err
	}
	r.participants = append(r.participants, p)
	return nil
}

// checkCapacity is the cheap check before a PeerConnection is built;
// addParticipant checks again.
func (r *room) checkCapacity() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.admitLocked()
}

func (r *room) admitLocked() error {
	if r.closed {
		return fmt.Errorf("room %s was deleted: %w", r.name, ErrRoomNotFound)
	}
	if len(r.participants) >= r.maxParticipants {
		return fmt.Errorf("room %s: %w (%d participants)", r.name, ErrRoomFull, r.maxParticipants)
	}
	return nil
}

func (r *room) removeParticipant(p *participant) {
	r.mu.Lock()
	n := len(r.participants)
	r.participants = slices.DeleteFunc(r.participants, func(x *participant) bool { return x == p })
	removed := len(r.participants) < n
	r.mu.Unlock()
	if removed {
		r.tracksChanged()
	}
}

func (r *room) addSubscriber(s *subscriber) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return fmt.Errorf("room %s was deleted: %w", r.name, ErrRoomNotFound)
	}
	r.subscribers = append(r.subscribers, s)
	return nil
}

func (r *room) removeSubscriber(s *subscriber) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subscribers = slices.DeleteFunc(r.subscribers, func(x *subscriber) bool { return x == s })
}

func (r *room) participant(id string) (*participant, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.participants {
		if p.id == id {
			return p, nil
		}
	}
	return nil, fmt.Errorf("participant %q in room %s: %w", id, r.name, ErrSessionNotFound)
}

func (r *room) subscriber(id string) (*subscriber, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.subscribers {
		if s.id == id {
			return s, nil
		}
	}
	return nil, fmt.Errorf("subscriber %q in room %s: %w", id, r.name, ErrSessionNotFound)
}

// tracksFor lists the live tracks of every participant but exclude, in
// join order and then arrival order.
func (r *room) tracksFor(exclude string) []*publishedTrack {
	r.mu.Lock()
	ps := slices.Clone(r.participants)
	r.mu.Unlock()
	var ts []*publishedTrack
	for _, p := range ps {
		if p.id != exclude {
			ts = append(ts, p.trackList()...)
		}
	}
	return ts
}

// tracksChanged asks every subscriber to renegotiate.
func (r *room) tracksChanged() {
	r.mu.Lock()
	subs, locals := slices.Clone(r.subscribers), slices.Clone(r.locals)
	r.mu.Unlock()
	for _, s := range subs {
		s.trackSetChanged()
	}
	for _, l := range locals {
		l.trackSetChanged()
	}
}

// close closes every session of the room and waits for them. Idempotent.
func (r *room) close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	ps, subs, locals := slices.Clone(r.participants), slices.Clone(r.subscribers), r.locals
	r.locals = nil
	r.mu.Unlock()
	for _, l := range locals {
		l.end()
	}
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Go(s.Close)
	}
	for _, p := range ps {
		wg.Go(p.Close)
	}
	wg.Wait()
	r.log.Info("room closed")
}

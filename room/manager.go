package room

import (
	"context"
	"fmt"
	"sort"
	"sync"
)

// Manager owns the rooms. All its methods are safe for concurrent use.
type Manager struct {
	env *env

	mu     sync.Mutex
	rooms  map[string]*room
	closed bool
}

// NewManager builds a Manager; it fails on an invalid configuration.
func NewManager(cfg Config) (*Manager, error) {
	e, err := newEnv(cfg)
	if err != nil {
		return nil, err
	}
	return &Manager{env: e, rooms: map[string]*room{}}, nil
}

// Create creates an empty room.
func (m *Manager) Create(name string) (Info, error) {
	if err := checkRoomName(name); err != nil {
		return Info{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Info{}, ErrClosed
	}
	if _, ok := m.rooms[name]; ok {
		return Info{}, fmt.Errorf("room %s: %w", name, ErrRoomExists)
	}
	r := newRoom(m.env, name)
	m.rooms[name] = r
	r.log.Info("room created")
	return r.info(), nil
}

// List describes every room, sorted by name.
func (m *Manager) List() []Info {
	m.mu.Lock()
	rooms := make([]*room, 0, len(m.rooms))
	for _, r := range m.rooms {
		rooms = append(rooms, r)
	}
	m.mu.Unlock()
	sort.Slice(rooms, func(i, j int) bool { return rooms[i].name < rooms[j].name })
	infos := make([]Info, 0, len(rooms))
	for _, r := range rooms {
		infos = append(infos, r.info())
	}
	return infos
}

// Get describes one room.
func (m *Manager) Get(name string) (Info, error) {
	r, err := m.room(name)
	if err != nil {
		return Info{}, err
	}
	return r.info(), nil
}

// Delete removes a room and closes every publisher and subscriber
// PeerConnection in it; it returns once they are closed.
func (m *Manager) Delete(name string) error {
	m.mu.Lock()
	r, ok := m.rooms[name]
	if ok {
		delete(m.rooms, name)
	}
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if !ok {
		return fmt.Errorf("room %q: %w", name, ErrRoomNotFound)
	}
	r.close()
	return nil
}

// Publish handles a WHIP (RFC 9725) offer: a publisher PeerConnection that
// receives the participant's tracks. It returns the participant id and the
// complete answer. It is PublishWith without a screen-share mark.
func (m *Manager) Publish(ctx context.Context, room, name, offerSDP string) (Session, error) {
	return m.PublishWith(ctx, room, PublishOptions{Name: name, OfferSDP: offerSDP})
}

// PublishWith is Publish with every option: o.Screen publishes a screen
// share, a participant of its own whose video tracks are screens.
func (m *Manager) PublishWith(ctx context.Context, room string, o PublishOptions) (Session, error) {
	if err := checkDisplayName("participant", o.Name); err != nil {
		return Session{}, err
	}
	if err := checkPublishOffer(o.OfferSDP); err != nil {
		return Session{}, err
	}
	r, err := m.room(room)
	if err != nil {
		return Session{}, err
	}
	return r.publish(ctx, o)
}

// Unpublish makes a participant leave its room.
func (m *Manager) Unpublish(room, id string) error {
	r, err := m.room(room)
	if err != nil {
		return err
	}
	return r.unpublish(id)
}

// Subscribe answers a subscriber's first offer: a PeerConnection that
// receives every track of the room except ExcludeParticipant's, following
// joins and leaves by renegotiating over the rtc.SignalLabel data channel.
func (m *Manager) Subscribe(ctx context.Context, room string, o SubscribeOptions) (Session, error) {
	if o.Name != "" {
		if err := checkDisplayName("subscriber", o.Name); err != nil {
			return Session{}, err
		}
	}
	if err := checkSubscribeOffer(o.OfferSDP); err != nil {
		return Session{}, err
	}
	r, err := m.room(room)
	if err != nil {
		return Session{}, err
	}
	return r.subscribe(ctx, o)
}

// Unsubscribe closes a subscriber.
func (m *Manager) Unsubscribe(room, id string) error {
	r, err := m.room(room)
	if err != nil {
		return err
	}
	return r.unsubscribe(id)
}

// Close closes every room and waits for all sessions to end. Idempotent.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	rooms := m.rooms
	m.rooms = map[string]*room{}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, r := range rooms {
		wg.Go(r.close)
	}
	wg.Wait()
	return nil
}

func (m *Manager) room(name string) (*room, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	r, ok := m.rooms[name]
	if !ok {
		return nil, fmt.Errorf("room %q: %w", name, ErrRoomNotFound)
	}
	return r, nil
}

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

// In is the view of the rooms of one tenant: two tenants may both have a
// room called "demo", and neither sees the other's. The Manager's own
// room methods are the view of tenant "".
func (m *Manager) In(tenant string) *Scope { return &Scope{m: m, tenant: tenant} }

// Scope is one tenant's rooms (Manager.In). All its methods are safe for
// concurrent use.
type Scope struct {
	m      *Manager
	tenant string
}

// CreateOptions are a room's own settings.
type CreateOptions struct {
	// MaxParticipants caps this room below the Manager's
	// Config.MaxParticipants (0: the Manager's cap).
	MaxParticipants int
}

// roomKey is a room's key in Manager.rooms: tenant ids and room names
// hold no "/".
func roomKey(tenant, name string) string { return tenant + "/" + name }

// Create creates an empty room.
func (m *Manager) Create(name string) (Info, error) { return m.In("").Create(name, CreateOptions{}) }

// Create creates an empty room.
func (s *Scope) Create(name string, o CreateOptions) (Info, error) {
	if err := checkRoomName(name); err != nil {
		return Info{}, err
	}
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Info{}, ErrClosed
	}
	key := roomKey(s.tenant, name)
	if _, ok := m.rooms[key]; ok {
		return Info{}, fmt.Errorf("room %s: %w", name, ErrRoomExists)
	}
	r := newRoom(m.env, s.tenant, name, o.MaxParticipants)
	m.rooms[key] = r
	r.log.Info("room created")
	return r.info(), nil
}

// List describes every room of tenant "", sorted by name.
func (m *Manager) List() []Info { return m.In("").List() }

// List describes the tenant's rooms, sorted by name.
func (s *Scope) List() []Info {
	m := s.m
	m.mu.Lock()
	rooms := make([]*room, 0, len(m.rooms))
	for _, r := range m.rooms {
		if r.tenant == s.tenant {
			rooms = append(rooms, r)
		}
	}
	m.mu.Unlock()
	sort.Slice(rooms, func(i, j int) bool { return rooms[i].name < rooms[j].name })
	infos := make([]Info, 0, len(rooms))
	for _, r := range rooms {
		infos = append(infos, r.info())
	}
	return infos
}

// Len is how many rooms the tenant has.
func (s *Scope) Len() int {
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, r := range m.rooms {
		if r.tenant == s.tenant {
			n++
		}
	}
	return n
}

// Get describes one room.
func (m *Manager) Get(name string) (Info, error) { return m.In("").Get(name) }

// Get describes one room.
func (s *Scope) Get(name string) (Info, error) {
	r, err := s.room(name)
	if err != nil {
		return Info{}, err
	}
	return r.info(), nil
}

// Delete removes a room of tenant "" (Scope.Delete).
func (m *Manager) Delete(name string) error { return m.In("").Delete(name) }

// Delete removes a room and closes every publisher and subscriber
// PeerConnection in it; it returns once they are closed.
func (s *Scope) Delete(name string) error {
	m := s.m
	key := roomKey(s.tenant, name)
	m.mu.Lock()
	r, ok := m.rooms[key]
	if ok {
		delete(m.rooms, key)
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
// complete answer. It is PublishWith without a screen-share mark, in a
// room of tenant "".
func (m *Manager) Publish(ctx context.Context, room, name, offerSDP string) (Session, error) {
	return m.In("").PublishWith(ctx, room, PublishOptions{Name: name, OfferSDP: offerSDP})
}

// PublishWith is Scope.PublishWith in a room of tenant "".
func (m *Manager) PublishWith(ctx context.Context, room string, o PublishOptions) (Session, error) {
	return m.In("").PublishWith(ctx, room, o)
}

// PublishWith is Publish with every option: o.Screen publishes a screen
// share, a participant of its own whose video tracks are screens.
func (s *Scope) PublishWith(ctx context.Context, room string, o PublishOptions) (Session, error) {
	if err := checkDisplayName("participant", o.Name); err != nil {
		return Session{}, err
	}
	if err := checkPublishOffer(o.OfferSDP); err != nil {
		return Session{}, err
	}
	r, err := s.room(room)
	if err != nil {
		return Session{}, err
	}
	return r.publish(ctx, o)
}

// Unpublish is Scope.Unpublish in a room of tenant "".
func (m *Manager) Unpublish(room, id string) error { return m.In("").Unpublish(room, id) }

// Unpublish makes a participant leave its room.
func (s *Scope) Unpublish(room, id string) error {
	r, err := s.room(room)
	if err != nil {
		return err
	}
	return r.unpublish(id)
}

// Subscribe is Scope.Subscribe in a room of tenant "".
func (m *Manager) Subscribe(ctx context.Context, room string, o SubscribeOptions) (Session, error) {
	return m.In("").Subscribe(ctx, room, o)
}

// Subscribe answers a subscriber's first offer: a PeerConnection that
// receives every track of the room except ExcludeParticipant's, following
// joins and leaves by renegotiating over the rtc.SignalLabel data channel.
func (s *Scope) Subscribe(ctx context.Context, room string, o SubscribeOptions) (Session, error) {
	if o.Name != "" {
		if err := checkDisplayName("subscriber", o.Name); err != nil {
			return Session{}, err
		}
	}
	if err := checkSubscribeOffer(o.OfferSDP); err != nil {
		return Session{}, err
	}
	r, err := s.room(room)
	if err != nil {
		return Session{}, err
	}
	return r.subscribe(ctx, o)
}

// Unsubscribe is Scope.Unsubscribe in a room of tenant "".
func (m *Manager) Unsubscribe(room, id string) error { return m.In("").Unsubscribe(room, id) }

// Unsubscribe closes a subscriber.
func (s *Scope) Unsubscribe(room, id string) error {
	r, err := s.room(room)
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

func (s *Scope) room(name string) (*room, error) {
	m := s.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	r, ok := m.rooms[roomKey(s.tenant, name)]
	if !ok {
		return nil, fmt.Errorf("room %q: %w", name, ErrRoomNotFound)
	}
	return r, nil
}

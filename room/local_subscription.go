package room

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/roomcast/roomcast/pipeline/source"
)

// SubscribeLocal subscribes a job of this process to every track of a
// room of the tenant without WebRTC (source.LocalRoom): the room's
// forwarding path queues each packet for it as it does for a WebRTC
// subscriber, and it reads them with a function call. It does not count
// as one of the room's subscribers (Info.LocalSubscribers counts it).
func (s *Scope) SubscribeLocal(room, name string) (source.LocalSubscription, error) {
	return s.subscribeLocal(room, name, nil)
}

// subscribeLocal subscribes to a room in process; notify, when not nil,
// is shared by every track (newLocalTrack).
func (s *Scope) subscribeLocal(room, name string, notify chan struct{}) (*localSubscription, error) {
	r, err := s.room(room)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", source.ErrRoomNotFound, err)
	}
	sub := &localSubscription{
		room: r, log: r.log.With("local_subscriber", name), notify: notify,
		changed: make(chan struct{}, 1), done: make(chan struct{}),
		tracks: map[*publishedTrack]*localTrack{},
	}
	if err := r.addLocal(sub); err != nil {
		return nil, fmt.Errorf("%w: %w", source.ErrRoomNotFound, err)
	}
	sub.log.Info("local subscriber joined")
	return sub, nil
}

// localSubscription is one in-process subscriber of a room.
type localSubscription struct {
	room    *room
	log     *slog.Logger
	changed chan struct{} // 1-buffered
	done    chan struct{}
	notify  chan struct{} // shared by the tracks (a relay's, Scope.Relay); nil: one each

	mu     sync.Mutex
	tracks map[*publishedTrack]*localTrack
	closed bool
}

func (l *localSubscription) Changed() <-chan struct{} { return l.changed }
func (l *localSubscription) Done() <-chan struct{}    { return l.done }

// trackSetChanged signals Changed; never blocks.
func (l *localSubscription) trackSetChanged() {
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

// Tracks attaches a local track to each room track not yet carried and
// closes those whose track is gone; it returns the carried tracks in the
// room's order.
func (l *localSubscription) Tracks() []source.LocalTrack {
	lts := l.localTracks()
	out := make([]source.LocalTrack, len(lts))
	for i, lt := range lts {
		out[i] = lt
	}
	return out
}

// localTracks is Tracks, typed.
func (l *localSubscription) localTracks() []*localTrack {
	want := l.room.tracksFor("")
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	for src, lt := range l.tracks {
		if !slices.Contains(want, src) || src.isEnded() {
			l.drop(src, lt)
		}
	}
	out := make([]*localTrack, 0, len(want))
	for _, src := range want {
		lt, ok := l.tracks[src]
		if !ok {
			lt = newLocalTrack(src, l.log, l.notify)
			if !src.attach(lt) {
				continue // it has just ended
			}
			l.tracks[src] = lt
		}
		out = append(out, lt)
	}
	return out
}

// drop detaches and closes one track. Call it with l.mu held.
func (l *localSubscription) drop(src *publishedTrack, lt *localTrack) {
	src.detach(lt)
	lt.close()
	delete(l.tracks, src)
	if n := lt.Dropped(); n > 0 {
		l.log.Info("local track ended", "track", src.id, "dropped", n)
	}
}

// relay reports whether the subscription is a relay connection's.
func (l *localSubscription) relay() bool { return l.notify != nil }

// Close leaves the room and closes every track. Idempotent.
func (l *localSubscription) Close() {
	l.room.removeLocal(l)
	l.end()
}

// end closes every track and Done. Idempotent.
func (l *localSubscription) end() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	for src, lt := range l.tracks {
		l.drop(src, lt)
	}
	close(l.done)
	l.log.Info("local subscriber left")
}

// addLocal admits an in-process subscriber unless the room is deleted.
func (r *room) addLocal(l *localSubscription) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return fmt.Errorf("room %s was deleted: %w", r.name, ErrRoomNotFound)
	}
	r.locals = append(r.locals, l)
	return nil
}

func (r *room) removeLocal(l *localSubscription) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.locals = slices.DeleteFunc(r.locals, func(x *localSubscription) bool { return x == l })
}

package room

import (
	"context"
	"fmt"
)

// publish admits a WHIP publisher and answers its offer (already checked).
func (r *room) publish(ctx context.Context, o PublishOptions) (Session, error) {
	if err := r.checkCapacity(); err != nil {
		return Session{}, err
	}
	p, err := newParticipant(r, o)
	if err != nil {
		return Session{}, err
	}
	if err := r.addParticipant(p); err != nil {
		p.Close()
		return Session{}, err
	}
	answer, err := p.negotiate(ctx, o.OfferSDP)
	if err != nil {
		p.Close()
		return Session{}, closedAsNotFound(r, err)
	}
	p.log.Info("participant joined", "name", o.Name, "screen", o.Screen)
	return Session{ID: p.id, AnswerSDP: answer}, nil
}

func (r *room) unpublish(id string) error {
	p, err := r.participant(id)
	if err != nil {
		return err
	}
	p.Close()
	return nil
}

// subscribe answers a subscriber's first offer (already checked).
func (r *room) subscribe(ctx context.Context, o SubscribeOptions) (Session, error) {
	s, err := newSubscriber(r, o)
	if err != nil {
		return Session{}, err
	}
	if err := r.addSubscriber(s); err != nil {
		s.Close()
		return Session{}, err
	}
	answer, err := s.answer(ctx, o.OfferSDP)
	if err != nil {
		s.Close()
		return Session{}, closedAsNotFound(r, err)
	}
	s.log.Info("subscriber joined", "name", o.Name, "exclude", o.ExcludeParticipant)
	return Session{ID: s.id, AnswerSDP: answer}, nil
}

func (r *room) unsubscribe(id string) error {
	s, err := r.subscriber(id)
	if err != nil {
		return err
	}
	s.Close()
	return nil
}

// closedAsNotFound reports a session that failed because its room was
// deleted meanwhile as ErrRoomNotFound.
func closedAsNotFound(r *room, err error) error {
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return fmt.Errorf("room %s was deleted: %w", r.name, ErrRoomNotFound)
	}
	return err
}

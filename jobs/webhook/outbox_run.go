package webhook

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// PublishTo is an OutboxConfig.Publish that stores events on js. It
// creates the stream again if NATS lost it.
func PublishTo(js jetstream.JetStream) func(context.Context, Event) error {
	return func(ctx context.Context, ev Event) error {
		err := Publish(ctx, js, ev)
		if errors.Is(err, jetstream.ErrNoStreamResponse) {
			if serr := EnsureStream(ctx, js); serr != nil {
				return errors.Join(err, serr)
			}
			err = Publish(ctx, js, ev)
		}
		return err
	}
}

// Run publishes waiting events, oldest first, until ctx ends; a failed
// publish is retried, in order, with backoff up to 5 s. When ctx ends it
// makes one last pass of up to 5 s; what is left stays on disk.
func (o *Outbox) Run(ctx context.Context) {
	b := newBackoff(outboxMinBackoff, outboxMaxBackoff)
	for {
		err := o.drain(ctx)
		if ctx.Err() != nil {
			o.finalFlush()
			return
		}
		pause := time.Duration(0)
		if err != nil {
			pause = b.next()
			o.log.Warn("webhook outbox cannot publish; retrying", "err", err, "waiting", o.Len(), "pause", pause)
		} else {
			b = newBackoff(outboxMinBackoff, outboxMaxBackoff)
		}
		if !o.waitWake(ctx, pause) {
			o.finalFlush()
			return
		}
	}
}

// waitWake waits for pause, then (with nothing to retry) for an Add.
func (o *Outbox) waitWake(ctx context.Context, pause time.Duration) bool {
	if pause > 0 {
		return sleep(ctx, pause)
	}
	select {
	case <-o.wake:
		return true
	case <-ctx.Done():
		return false
	}
}

func (o *Outbox) finalFlush() {
	ctx, cancel := context.WithTimeout(context.Background(), outboxFinalFlush)
	defer cancel()
	if err := o.drain(ctx); err != nil {
		o.log.Warn("webhook outbox keeps events for the next run", "waiting", o.Len(), "err", err)
	}
}

// drain publishes every waiting event in order; it stops at the first
// failure, so none overtakes another.
func (o *Outbox) drain(ctx context.Context) error {
	for ctx.Err() == nil {
		seq, ok := o.oldest()
		if !ok {
			return nil
		}
		if err := o.publishOne(ctx, seq); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (o *Outbox) oldest() (uint64, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.waiting) == 0 {
		return 0, false
	}
	return slices.Min(keys(o.waiting)), true
}

func keys(m map[uint64]int64) []uint64 {
	out := make([]uint64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// publishOne publishes the file seq and removes it. A file that does
// not decode is set aside (renamed .bad), never retried forever.
func (o *Outbox) publishOne(ctx context.Context, seq uint64) error {
	path := filepath.Join(o.cfg.Dir, outboxName(seq))
	body, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("webhook outbox: %w", err)
	}
	ev, err := decodeEvent(body)
	if err != nil {
		o.log.Error("webhook outbox file does not decode; set aside", "file", path, "err", err)
		_ = os.Rename(path, path+".bad")
		o.forget(seq)
		return nil
	}
	pctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	if err := o.cfg.Publish(pctx, ev); err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("webhook outbox: %w", err) // published again later: deduped by ID
	}
	o.forget(seq)
	return nil
}

func (o *Outbox) forget(seq uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.bytes -= o.waiting[seq]
	delete(o.waiting, seq)
}

package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultOutboxMaxBytes bounds an outbox when its config gives 0.
const DefaultOutboxMaxBytes = 64 << 20

const (
	outboxExt        = ".json"
	outboxTmp        = ".tmp-"
	outboxLock       = ".lock"
	publishTimeout   = 5 * time.Second
	outboxMinBackoff = 200 * time.Millisecond
	outboxMaxBackoff = 5 * time.Second
	// outboxFinalFlush bounds the last publishing pass when Run ends.
	outboxFinalFlush = 5 * time.Second
)

// ErrOutboxFull is returned by Outbox.Add when the events waiting for
// NATS already fill MaxBytes: that event is lost.
var ErrOutboxFull = errors.New("webhook outbox full")

// OutboxConfig configures an Outbox.
type OutboxConfig struct {
	Dir      string // one file per waiting event
	MaxBytes int64  // bound on the waiting events' size; 0: DefaultOutboxMaxBytes
	// Publish stores an event on the stream (Publish with a JetStream).
	Publish func(ctx context.Context, ev Event) error
	Logger  *slog.Logger
}

// Outbox keeps a process's events on local disk, each file fsynced,
// until they are on the stream: events made while NATS is unreachable
// are published when it returns, in the order they were made, with
// their own IDs (the stream and receivers dedup on them). Run publishes;
// events still waiting when the process ends are published by the next
// one on the same directory.
type Outbox struct {
	cfg  OutboxConfig
	log  *slog.Logger
	wake chan struct{}
	lock *os.File // held (flock) while open: one process per directory

	mu      sync.Mutex
	next    uint64           // sequence of the next file
	waiting map[uint64]int64 // file sequence → size
	bytes   int64
}

// OpenOutbox opens (creating) the directory and picks up the events a
// previous process left there.
func OpenOutbox(cfg OutboxConfig) (*Outbox, error) {
	if cfg.Dir == "" || cfg.Publish == nil || cfg.MaxBytes < 0 {
		return nil, fmt.Errorf("%w: outbox needs a Dir, a Publish func and MaxBytes >= 0", ErrInvalidConfig)
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultOutboxMaxBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("webhook outbox %s: %w", cfg.Dir, err)
	}
	lock, err := lockDir(cfg.Dir)
	if err != nil {
		return nil, err
	}
	o := &Outbox{cfg: cfg, log: cfg.Logger.With("outbox", cfg.Dir), wake: make(chan struct{}, 1), lock: lock, waiting: map[uint64]int64{}}
	if err := o.scan(); err != nil {
		o.Close()
		return nil, err
	}
	if n := len(o.waiting); n > 0 {
		o.log.Info("webhook outbox holds events from the last run", "events", n, "bytes", o.bytes)
		o.poke()
	}
	return o, nil
}

// lockDir takes the directory's lock file, so two processes given one
// data directory do not publish each other's events.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, outboxLock), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("webhook outbox %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("webhook outbox %s is in use by another process (give each process its own data directory): %w", dir, err)
	}
	return f, nil
}

// Close releases the directory; call it after Run has returned. The
// waiting events stay for the next Outbox on it.
func (o *Outbox) Close() {
	if o.lock != nil {
		_ = o.lock.Close() // closing the file drops the flock
		o.lock = nil
	}
}

// scan reads the directory: waiting events, and torn writes to remove.
func (o *Outbox) scan() error {
	entries, err := os.ReadDir(o.cfg.Dir)
	if err != nil {
		return fmt.Errorf("webhook outbox %s: %w", o.cfg.Dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		if name == outboxLock {
			continue
		}
		if strings.HasPrefix(name, outboxTmp) {
			_ = os.Remove(filepath.Join(o.cfg.Dir, name)) // never renamed: not added
			continue
		}
		seq, ok := parseOutboxName(name)
		info, err := e.Info()
		if !ok || err != nil {
			continue
		}
		o.waiting[seq] = info.Size()
		o.bytes += info.Size()
		o.next = max(o.next, seq+1)
	}
	return nil
}

func outboxName(seq uint64) string { return fmt.Sprintf("%020d%s", seq, outboxExt) }

func parseOutboxName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, outboxExt)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	return seq, err == nil
}

// Len is how many events wait for NATS.
func (o *Outbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.waiting)
}

// Add stores ev durably (written, fsynced, renamed into place, directory
// fsynced) behind the events already waiting, and wakes Run. It returns
// ErrOutboxFull, naming the event, when the waiting events fill MaxBytes.
func (o *Outbox) Add(ev Event) error {
	if err := ev.validate(); err != nil {
		return err
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode event %s: %w", ev.ID, err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.bytes+int64(len(body)) > o.cfg.MaxBytes {
		return fmt.Errorf("%w: %d events (%d bytes) wait for NATS, bound %d bytes (webhook.outbox_max_bytes): event %s (%s of %s) is lost",
			ErrOutboxFull, len(o.waiting), o.bytes, o.cfg.MaxBytes, ev.ID, ev.Type, ev.EgressID)
	}
	seq := o.next
	if err := o.write(seq, body); err != nil {
		return err
	}
	o.next++
	o.waiting[seq] = int64(len(body))
	o.bytes += int64(len(body))
	o.poke()
	return nil
}

// write puts body in place for seq, durably.
func (o *Outbox) write(seq uint64, body []byte) error {
	final := filepath.Join(o.cfg.Dir, outboxName(seq))
	tmp := filepath.Join(o.cfg.Dir, outboxTmp+outboxName(seq))
	if err := writeSynced(tmp, body); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("webhook outbox: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("webhook outbox: %w", err)
	}
	return syncDir(o.cfg.Dir)
}

func writeSynced(path string, body []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	_, werr := f.Write(body)
	serr := f.Sync()
	cerr := f.Close()
	return errors.Join(werr, serr, cerr)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("webhook outbox: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("webhook outbox: sync %s: %w", dir, err)
	}
	return nil
}

func (o *Outbox) poke() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

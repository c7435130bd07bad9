// Package spool makes uploads crash-safe. Enqueue puts a file into a local
// spool directory (synced to disk before it returns); Run uploads spooled
// files to a storage.Store in enqueue order, retrying with exponential
// backoff, and deletes each file only after the store confirmed its Put.
// A Spool opened over a directory that an earlier process left behind
// uploads what it finds there.
//
// On disk, entry N is two files: N.key holds the object key and N.data
// the bytes. N.key is written first and N.data removed first, so a lone
// N.key is an enqueue or a removal that a crash cut short, and is dropped.
package spool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roomcast/roomcast/storage"
)

var (
	// ErrSpoolFull is returned by Enqueue when the entry does not fit:
	// it would take the spool past its limit (Options.MaxBytes, or less
	// when the disk has less free) even after evicting every expendable
	// entry, or the disk ran out of space (ENOSPC, EDQUOT) writing it.
	ErrSpoolFull = errors.New("spool: full")
	// ErrRunning is returned by a second concurrent Run.
	ErrRunning = errors.New("spool: already running")
)

// Options tune a Spool. Zero values take the defaults.
type Options struct {
	MaxBytes int64 // spool size limit; default 1 GiB
	// Hold is how long the spool should be able to take its input (the
	// running recordings) while the store is down; with less room than
	// that left, Status reports it Low. Default 30 min.
	Hold           time.Duration
	MinBackoff     time.Duration // first retry pause; default 1 s
	MaxBackoff     time.Duration // longest retry pause; default 30 s
	AttemptTimeout time.Duration // deadline of one Put; default 10 min
	// Workers is how many uploads run at once; default 8.
	Workers int
	// Group names the ordering group of a key: entries of one group upload
	// one at a time in enqueue order, and a newer entry of a key replaces
	// an older one still waiting. Default: the key's directory.
	Group  func(key string) string
	Logger *slog.Logger
	// DiskFree reports the free space of the spool's file system;
	// default statfs(2). Now is the clock; default time.Now.
	DiskFree func(dir string) (int64, error)
	Now      func() time.Time
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 30
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = 10 * time.Minute
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Group == nil {
		o.Group = path.Dir
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Hold <= 0 {
		o.Hold = 30 * time.Minute
	}
	if o.DiskFree == nil {
		o.DiskFree = diskFree
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Spool is a crash-safe upload queue in a directory.
type Spool struct {
	dir     string
	store   storage.Store
	opts    Options
	log     *slog.Logger
	running atomic.Bool
	wake    chan struct{}

	mu       sync.Mutex
	queue    []entry // sorted by seq
	nextSeq  uint64
	reserved int64 // bytes of queued entries and enqueues in progress
	writing  int64 // bytes of enqueues in progress
	rate     rateMeter
	empty    chan struct{}
	status   Status
	busy     map[string]bool // groups with an upload in flight
	inFlight map[uint64]bool // entries being uploaded
	failing  int             // uploads failing and being retried
}

// Open opens (creating it when needed) a spool directory and recovers the
// entries an earlier process left there.
func Open(dir string, store storage.Store, opts Options) (*Spool, error) {
	opts = opts.withDefaults()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("spool: create %s: %w", dir, err)
	}
	s := &Spool{
		dir:   dir,
		store: store,
		opts:  opts,
		log:   opts.Logger.With("spool", dir),
		wake:  make(chan struct{}, 1),
		empty: make(chan struct{}),
		busy:  map[string]bool{}, inFlight: map[uint64]bool{},
	}
	if err := s.recover(); err != nil {
		return nil, err
	}
	return s, nil
}

// Flush waits until every entry enqueued so far (and any after) has been
// uploaded and the spool is empty, or ctx ends. Run must be running.
func (s *Spool) Flush(ctx context.Context) error {
	for {
		s.mu.Lock()
		n, empty := len(s.queue), s.empty
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-empty:
		case <-ctx.Done():
			return fmt.Errorf("spool: flush with %d pending: %w", n, ctx.Err())
		}
	}
}

// FlushGroup waits until no entry of ordering group g (see
// Options.Group) waits for upload, or ctx ends: for a recorder handing
// its recording over, whose next owner reads what the store has.
func (s *Spool) FlushGroup(ctx context.Context, g string) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		n := s.groupPending(g)
		if n == 0 {
			return nil
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return fmt.Errorf("spool: flush of %s with %d pending: %w", g, n, ctx.Err())
		}
	}
}

func (s *Spool) groupPending(g string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.queue {
		if s.opts.Group(e.key) == g {
			n++
		}
	}
	return n
}

func (s *Spool) signal() {
	s.signalLocked()
}

// signalLocked wakes one idle worker; it never blocks, so it may be
// called with s.mu held.
func (s *Spool) signalLocked() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

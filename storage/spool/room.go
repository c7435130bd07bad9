package spool

import (
	"errors"
	"fmt"
	"syscall"
	"time"
)

// lowPercent: the spool is low when less than this share of its limit
// is left.
const lowPercent = 10

// room is how much the spool can still take, at one moment.
type room struct {
	limit    int64         // MaxBytes, or less when the disk has less free
	left     int64         // limit minus what the spool holds
	rate     float64       // net input, bytes per second
	holdLeft time.Duration // how long left lasts at rate; -1 without input
	low      string        // why new input should wait; empty when it need not
}

// roomLocked measures the spool's room now.
func (s *Spool) roomLocked() room {
	limit, _ := s.limitLocked()
	r := room{limit: limit, holdLeft: -1}
	r.left = max(r.limit-s.reserved, 0)
	r.rate = s.rate.perSecond(s.opts.Now())
	if r.rate > 0 {
		r.holdLeft = time.Duration(float64(r.left) / r.rate * float64(time.Second)).Round(time.Second)
	}
	switch {
	case r.left < r.limit*lowPercent/100:
		r.low = fmt.Sprintf("spool nearly full: %s of %s left", mib(r.left), mib(r.limit))
	case r.holdLeft >= 0 && r.holdLeft < s.opts.Hold:
		r.low = fmt.Sprintf("spool holds %v more of the input (%s/s), less than the %v it should hold",
			r.holdLeft, mib(int64(r.rate)), s.opts.Hold)
	}
	return r
}

// limitLocked is MaxBytes, or what the spool holds plus what the disk
// has free when that is less (then disk is true).
func (s *Spool) limitLocked() (limit int64, disk bool) {
	free, err := s.opts.DiskFree(s.dir)
	if err != nil {
		s.log.Debug("spool: free disk space unknown", "err", err)
		return s.opts.MaxBytes, false
	}
	held := s.reserved - s.writing
	if held+max(free, 0) < s.opts.MaxBytes {
		return held + max(free, 0), true
	}
	return s.opts.MaxBytes, false
}

// fullError says why an entry of size does not fit under limit.
func (s *Spool) fullErrorLocked(size, limit int64, disk bool) error {
	if disk {
		return fmt.Errorf("%w: the disk has no room for %s (%s held, %s free)", ErrSpoolFull, mib(size), mib(s.reserved), mib(max(limit-s.reserved, 0)))
	}
	return fmt.Errorf("%w: %s of %s in use, no room for %s", ErrSpoolFull, mib(s.reserved), mib(limit), mib(size))
}

// diskFree is the space an unprivileged writer has left on dir's file
// system.
func diskFree(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	return int64(st.Bavail) * st.Bsize, nil
}

// isDiskFull reports an error of a file system out of space or quota.
func isDiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// mib formats a byte count for people.
func mib(n int64) string {
	switch {
	case n >= 1<<20 || n <= -1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 || n <= -1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

package room

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// logLimiter lets one log line through per period and counts the ones it
// held back, so hostile or broken peers cannot flood the log.
type logLimiter struct {
	every time.Duration

	mu         sync.Mutex
	next       time.Time
	suppressed int
}

func newLogLimiter(every time.Duration) *logLimiter {
	return &logLimiter{every: every}
}

// log writes the record at level unless one was written less than a period
// ago; the record tells how many were suppressed since the last one.
func (l *logLimiter) log(log *slog.Logger, now time.Time, level slog.Level, msg string, args ...any) {
	l.mu.Lock()
	if now.Before(l.next) {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	n := l.suppressed
	l.suppressed, l.next = 0, now.Add(l.every)
	l.mu.Unlock()
	log.Log(context.Background(), level, msg, append(args, "suppressed", n)...)
}

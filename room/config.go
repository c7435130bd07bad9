package room

import (
	"log/slog"

	"github.com/roomcast/roomcast/pipeline/rtc"
)

// DefaultMaxParticipants is the per-room publisher limit when
// Config.MaxParticipants is 0.
const DefaultMaxParticipants = 16

// Config configures a Manager.
type Config struct {
	// MaxParticipants limits the publishers of each room; 0 means 16.
	MaxParticipants int
	// RTC holds the ICE network settings. The room sets the interceptor
	// options itself: NACK generator and responder on publisher
	// connections, NACK responder on subscriber connections, and never
	// pion's own sender reports (the room writes them). With RTC.UDPConn,
	// publishers and subscribers share that one socket; close it after
	// Manager.Close.
	RTC rtc.Options
	// Logger receives the room's logs; nil means slog.Default().
	Logger *slog.Logger
}

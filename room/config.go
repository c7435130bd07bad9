package room

import (
	"log/slog"
	"time"

	"github.com/roomcast/roomcast/pipeline/rtc"
)

// DefaultMaxParticipants is the per-room publisher limit when
// Config.MaxParticipants is 0.
const DefaultMaxParticipants = 16

// Config configures a Manager.
type Config struct {
	// MaxParticipants limits the publishers of each room; 0 means 16.
	MaxParticipants int
	// History is how much of each published track's recent RTP the room
	// keeps for Manager.WriteHistory: the packets of the last History,
	// for video back to the keyframe before them. 0 means DefaultHistory
	// (20 s); a negative value keeps none.
	History time.Duration
	// HistoryMaxBytes bounds the history of each track (the oldest
	// packets go first); 0 means DefaultHistoryMaxBytes (16 MiB).
	HistoryMaxBytes int64
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

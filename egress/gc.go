package egress

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector's target a process running jobs
// uses unless GOGC is set: a compositor's heap is mostly decoded frames,
// pointer-free and cheap to mark, so collecting at 50 % growth instead of
// Go's 100 % bounds the memory they hold at little CPU.
const GCPercent = 50

// TuneGC applies GCPercent unless the operator set GOGC.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}

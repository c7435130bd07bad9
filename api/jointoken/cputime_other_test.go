//go:build !linux

package jointoken

import "time"

func threadCPUTime() (time.Duration, bool) { return 0, false }

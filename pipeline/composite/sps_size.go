package composite

import (
	gocodec "github.com/yapingcat/gomedia/go-codec"
)

// spsSize returns the picture size an H.264 SPS declares (Annex-B input
// starting with the SPS), or 0, 0 when it cannot be read. A malformed SPS
// from a publisher must not take the process down, so the parser's panics
// are contained.
func spsSize(annexB []byte) (w, h int) {
	defer func() {
		if recover() != nil {
			w, h = 0, 0
		}
	}()
	uw, uh := gocodec.GetH264Resolution(annexB)
	if uw == 0 || uh == 0 || uw > 8192 || uh > 8192 {
		return 0, 0
	}
	return int(uw), int(uh)
}

package composite

import (
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// maxMadeFrames bounds the frames an encoder may hold back.
const maxMadeFrames = 64

// madeFrame is what a composed frame was made from: the arrival of the
// newest input unit it shows, and its path (transcode or composite).
type madeFrame struct {
	pts  time.Duration
	at   time.Time
	path media.Path
}

// madeFrom returns the arrival of the newest input frame the pictures
// show (zero when none has one) and the path: transcode when they show at
// most one input, composite when more. The newest, since the others are
// older only because their cameras sent nothing newer: what the layout
// adds is the delay of the freshest content.
func madeFrom(pics []picture) (time.Time, media.Path) {
	var newest time.Time
	inputs := 0
	for _, p := range pics {
		if p.frame == nil {
			continue
		}
		inputs++
		if p.arrival.After(newest) {
			newest = p.arrival
		}
	}
	if inputs > 1 {
		return newest, media.PathComposite
	}
	return newest, media.PathTranscode
}

// stamp gives the encoder's units the arrival and path of their frames.
func (o *canvasOut) stamp(us []*media.Unit) {
	for _, u := range us {
		for len(o.made) > 0 && o.made[0].pts < u.PTS {
			o.made = o.made[1:]
		}
		if len(o.made) > 0 && o.made[0].pts == u.PTS {
			u.Arrival, u.Path = o.made[0].at, o.made[0].path
		}
	}
	if n := len(o.made) - maxMadeFrames; n > 0 {
		o.made = o.made[n:]
	}
}

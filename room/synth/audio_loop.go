package synth

// audioLoop walks an audio clip forever; each packet lasts as long as its
// TOC byte says.
type audioLoop struct {
	clip *audioClip
	idx  int
}

func (l *audioLoop) next() unit {
	u := unit{data: l.clip.packets[l.idx], ticks: l.clip.samples[l.idx], key: true}
	l.idx = (l.idx + 1) % len(l.clip.packets)
	return u
}

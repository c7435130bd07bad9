package fanout

import (
	"slices"

	"github.com/roomcast/roomcast/pipeline/media"
)

// withTrack returns ts with t as the track of its kind. ts is shared and
// never modified: when t is new, withTrack returns a copy and true; when t
// is already there, it returns ts itself and false.
func withTrack(ts []*media.Track, t *media.Track) ([]*media.Track, bool) {
	for i, cur := range ts {
		if cur.Kind != t.Kind {
			continue
		}
		if cur == t {
			return ts, false
		}
		next := slices.Clone(ts)
		next[i] = t
		return next, true
	}
	return append(slices.Clone(ts), t), true
}

// hasKind reports whether ts holds a track of kind k.
func hasKind(ts []*media.Track, k media.Kind) bool {
	return slices.ContainsFunc(ts, func(t *media.Track) bool { return t.Kind == k })
}

package jobs

import (
	"math"
	"slices"

	"github.com/roomcast/roomcast/api/types"
)

// TileCosts prices a composite layout by the tiles it shows: tile count →
// cost (percent of one core at 1280×720, 30 fps), as `make bench`
// (BenchmarkComposite) measures them.
type TileCosts map[int]int

// at is the cost of n tiles: measured, interpolated between measured
// counts, or extended at the last step's rate past the last one (and the
// first one's below it).
func (tc TileCosts) at(n int) (int, bool) {
	if len(tc) == 0 {
		return 0, false
	}
	ns := make([]int, 0, len(tc))
	for k := range tc {
		ns = append(ns, k)
	}
	slices.Sort(ns)
	if c, ok := tc[n]; ok {
		return c, true
	}
	if n < ns[0] {
		return tc[ns[0]], true
	}
	lo, hi := ns[0], ns[len(ns)-1]
	for i := 1; i < len(ns); i++ {
		if ns[i] > n {
			lo, hi = ns[i-1], ns[i]
			break
		}
		if i == len(ns)-1 { // past the last: the last step's rate
			lo, hi = ns[i-1], ns[i]
		}
	}
	if lo == hi {
		return tc[lo], true
	}
	slope := float64(tc[hi]-tc[lo]) / float64(hi-lo)
	return int(math.Ceil(float64(tc[lo]) + slope*float64(n-lo))), true
}

// DefaultTileCosts and DefaultRenditionCost are what BenchmarkComposite
// measured for the compositor on the reference 2-core machine (grid 34,
// 39, 47 % of a core at 2, 4, 10 participants; speaker 37, 40, 52;
// presentation 34, 36, 34 — its strip shows 4 cameras at most; a 9:16
// rendition 26), plus 10 for the job's own room subscription and outputs
// (BenchmarkJobCost's passthrough job), rounded up.
var (
	DefaultTileCosts = map[string]TileCosts{
		types.LayoutGrid:         {2: 45, 4: 50, 10: 60},
		types.LayoutSpeaker:      {2: 50, 4: 50, 10: 65},
		types.LayoutPresentation: {2: 45, 4: 50, 10: 50},
	}
	DefaultRenditionCost = 30
)

// referencePixelRate is the canvas the costs are measured at.
const referencePixelRate = 1280 * 720 * 30

// scaleByCanvas scales a cost measured at 1280x720 30 fps up for a
// larger or faster canvas (never down: decoding the participants does
// not shrink with the canvas).
func scaleByCanvas(cost, w, h, fps int) int {
	r := float64(w*h*fps) / referencePixelRate
	if r <= 1 {
		return cost
	}
	return int(math.Ceil(float64(cost) * r))
}

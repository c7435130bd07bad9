package overlay

// run is a stretch [x0, x1) of one row of an alpha plane whose samples
// are all opaque or all partly transparent; transparent stretches have no
// run, so blending skips them without looking at them.
type run struct {
	x0, x1 int32
	opaque bool
}

// runs indexes the runs of every row of an alpha plane.
type runs struct {
	start []int32 // row y's runs are list[start[y]:start[y+1]]
	list  []run
}

// row returns the runs of row y, in increasing x.
func (rs *runs) row(y int) []run {
	return rs.list[rs.start[y]:rs.start[y+1]]
}

// findRuns indexes a w×h alpha plane with rows w apart.
func findRuns(a []byte, w, h int) runs {
	rs := runs{start: make([]int32, h+1)}
	for y := range h {
		row := a[y*w : y*w+w]
		for x := 0; x < w; {
			if row[x] == 0 {
				x++
				continue
			}
			opaque := row[x] == 255
			end := x + 1
			for end < w && row[end] != 0 && (row[end] == 255) == opaque {
				end++
			}
			rs.list = append(rs.list, run{x0: int32(x), x1: int32(end), opaque: opaque})
			x = end
		}
		rs.start[y+1] = int32(len(rs.list))
	}
	return rs
}

package overlay

import (
	"image"

	"github.com/roomcast/roomcast/pipeline/codec"
)

// Fill paints the rectangle (x, y, w, h) of dst with c, opaque whatever
// c.A, clipped to the frame. Rectangles of odd position or size are exact
// in luma; a chroma sample the rectangle covers only in part is mixed with
// what was there by the share of its luma pixels covered.
func Fill(dst *codec.VideoFrame, x, y, w, h int, c Color) {
	if dst == nil || w <= 0 || h <= 0 {
		return
	}
	r := image.Rect(x, y, x+w, y+h).Intersect(image.Rect(0, 0, dst.Width, dst.Height))
	if r.Empty() {
		return
	}
	ly, u, v := c.YUV()
	fillLuma(dst.Y, dst.StrideY, r, ly)
	fillChroma(dst.U, dst.StrideU, r, dst.Width, dst.Height, u)
	fillChroma(dst.V, dst.StrideV, r, dst.Width, dst.Height, v)
}

// fillLuma sets the pixels of r in a luma plane to val.
func fillLuma(p []byte, stride int, r image.Rectangle, val byte) {
	first := p[r.Min.Y*stride+r.Min.X : r.Min.Y*stride+r.Max.X]
	for i := range first {
		first[i] = val
	}
	for y := r.Min.Y + 1; y < r.Max.Y; y++ {
		copy(p[y*stride+r.Min.X:], first)
	}
}

// fillChroma paints the chroma samples that luma rectangle r of a
// fw×fh frame touches: those it covers whole are set to val, the others
// mixed with val by coverage.
func fillChroma(p []byte, stride int, r image.Rectangle, fw, fh int, val byte) {
	// Columns [in0, in1) are covered whole across; at most one each side is not.
	in0, in1 := (r.Min.X+1)/2, r.Max.X/2
	if r.Max.X == fw {
		in1 = (fw + 1) / 2
	}
	// The samples at either end, left and right, may be partly covered.
	left, right := r.Min.X/2, (r.Max.X-1)/2
	// full is the first wholly covered row, copied to the next ones.
	var full []byte
	for cy := r.Min.Y / 2; cy < (r.Max.Y+1)/2; cy++ {
		row := p[cy*stride : cy*stride+(r.Max.X+1)/2]
		ny, dy := pairCover(r.Min.Y, r.Max.Y, cy, fh)
		if left < in0 || left >= in1 {
			row[left] = mixCovered(row[left], val, r, left, fw, ny, dy)
		}
		if right != left && right >= in1 {
			row[right] = mixCovered(row[right], val, r, right, fw, ny, dy)
		}
		if in0 >= in1 {
			continue
		}
		switch {
		case ny < dy:
			for cx := in0; cx < in1; cx++ {
				row[cx] = mix(val, row[cx], 255*ny/dy)
			}
		case full == nil:
			full = row[in0:in1]
			for i := range full {
				full[i] = val
			}
		default:
			copy(row[in0:in1], full)
		}
	}
}

// mixCovered mixes val into d, the sample of chroma column cx, by the share
// of its luma pixels r covers, ny of dy being the rows' share.
func mixCovered(d, val byte, r image.Rectangle, cx, fw, ny, dy int) byte {
	nx, dx := pairCover(r.Min.X, r.Max.X, cx, fw)
	return mix(val, d, 255*nx*ny/(dx*dy))
}

// pairCover returns how many of the luma lines 2i and 2i+1 that chroma
// line i stands for lie in [lo, hi), and how many lie in the frame [0, n).
func pairCover(lo, hi, i, n int) (covered, total int) {
	for l := 2 * i; l <= 2*i+1; l++ {
		if l < n {
			total++
			if l >= lo && l < hi {
				covered++
			}
		}
	}
	return covered, total
}

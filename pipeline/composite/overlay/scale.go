package overlay

import "math"

// Scaled returns a copy of im resized to w×h, each axis on its own:
// bilinear where it grows, a box filter (the mean of the source area each
// pixel covers) where it shrinks, weighted by alpha so that transparent
// pixels lend no colour.
// It is meant for when a logo or the canvas changes, not per frame. It
// returns nil for a nil or empty im, or a size out of 1–8192.
func (im *Image) Scaled(w, h int) *Image {
	if im == nil || im.W == 0 || im.H == 0 || w <= 0 || h <= 0 || w > maxImageSide || h > maxImageSide {
		return nil
	}
	out := newImage(w, h)
	out.y, out.a = resample(im.y, im.a, im.W, im.H, w, h, 16)
	cw, ch := (im.W+1)/2, (im.H+1)/2
	ocw, och := (w+1)/2, (h+1)/2
	out.u, _ = resample(im.u, im.ca, cw, ch, ocw, och, 128)
	out.v, _ = resample(im.v, im.ca, cw, ch, ocw, och, 128)
	return out.finish()
}

// taps are the filter of one axis: output i is the sum over k of
// weights[i][k] times input first[i]+k.
type taps struct {
	first   []int
	weights [][]float32
}

// makeTaps builds the filter from n inputs to m outputs: bilinear when m
// is n or more, box when less.
func makeTaps(n, m int) taps {
	t := taps{first: make([]int, m), weights: make([][]float32, m)}
	scale := float64(n) / float64(m)
	for i := range m {
		if m < n {
			t.first[i], t.weights[i] = boxTap(i, scale, n)
		} else {
			t.first[i], t.weights[i] = linearTap(i, scale, n)
		}
	}
	return t
}

// boxTap returns the inputs of output i when shrinking n inputs by scale:
// each weighs the share of the output's span [i·scale, (i+1)·scale) it
// covers.
func boxTap(i int, scale float64, n int) (first int, weights []float32) {
	lo, hi := float64(i)*scale, min(float64(n), float64(i+1)*scale)
	first = int(lo)
	last := max(first, min(n-1, int(math.Ceil(hi))-1))
	weights = make([]float32, last-first+1)
	for j := first; j <= last; j++ {
		weights[j-first] = float32((min(hi, float64(j+1)) - max(lo, float64(j))) / (hi - lo))
	}
	return first, weights
}

// linearTap returns the two inputs of output i when enlarging n inputs by
// 1/scale, pixel centres aligned, past the edges the edge samples.
func linearTap(i int, scale float64, n int) (first int, weights []float32) {
	if n == 1 {
		return 0, []float32{1}
	}
	c := max(0, min(float64(n-1), (float64(i)+0.5)*scale-0.5))
	first = min(int(c), n-2)
	f := float32(c - float64(first))
	return first, []float32{1 - f, f}
}

// resample resizes an sw×sh plane with its alpha to dw×dh, weighting the
// samples by alpha. Samples left fully transparent get blank.
func resample(pix, alpha []byte, sw, sh, dw, dh int, blank byte) (outPix, outAlpha []byte) {
	tx, ty := makeTaps(sw, dw), makeTaps(sh, dh)
	// Horizontal pass: premultiplied colour and alpha, dw×sh.
	mp, ma := make([]float32, dw*sh), make([]float32, dw*sh)
	for y := range sh {
		for x := range dw {
			var p, a float32
			for k, wt := range tx.weights[x] {
				i := y*sw + tx.first[x] + k
				sa := float32(alpha[i])
				p, a = p+wt*sa*float32(pix[i]), a+wt*sa
			}
			mp[y*dw+x], ma[y*dw+x] = p, a
		}
	}
	// Vertical pass, back to straight colour.
	outPix, outAlpha = make([]byte, dw*dh), make([]byte, dw*dh)
	for y := range dh {
		for x := range dw {
			var p, a float32
			for k, wt := range ty.weights[y] {
				i := (ty.first[y]+k)*dw + x
				p, a = p+wt*mp[i], a+wt*ma[i]
			}
			outAlpha[y*dw+x], outPix[y*dw+x] = toByte(a), blank
			if a >= 0.5 {
				outPix[y*dw+x] = toByte(p / a)
			}
		}
	}
	return outPix, outAlpha
}

// toByte rounds f to a byte, clamped.
func toByte(f float32) byte {
	return byte(max(0, min(255, f+0.5)))
}

package overlay

import "github.com/roomcast/roomcast/pipeline/codec"

// Blend draws im over dst with its top-left corner at (x, y), which may
// lie outside the frame: what falls outside is clipped. Transparent
// stretches are skipped without being read, opaque ones copied, the rest
// mixed by alpha in integer maths; Blend allocates nothing. At an odd x or
// y the chroma lands on the frame's 2×2 grid, up to one luma pixel up or
// left of the exact place: callers wanting it exact use even positions.
func (im *Image) Blend(dst *codec.VideoFrame, x, y int) {
	if im == nil || dst == nil || x >= dst.Width || y >= dst.Height || x <= -im.W || y <= -im.H {
		return
	}
	blendPlane(dst.Y, dst.StrideY, im.y, im.a, im.W, &im.lumaRuns,
		place(x, im.W, dst.Width), place(y, im.H, dst.Height))
	cw, ch := (im.W+1)/2, (im.H+1)/2
	fcw, fch := (dst.Width+1)/2, (dst.Height+1)/2
	px, py := place(x>>1, cw, fcw), place(y>>1, ch, fch)
	blendPlane(dst.U, dst.StrideU, im.u, im.ca, cw, &im.chromaRuns, px, py)
	blendPlane(dst.V, dst.StrideV, im.v, im.ca, cw, &im.chromaRuns, px, py)
}

// window is where one axis of a source of n samples placed at offset o
// lands in a destination of limit samples: source [s0, s1) goes to
// destination [s0+shift, s1+shift); s0 >= s1 when nothing shows.
type window struct{ s0, s1, shift int }

// place clips one axis.
func place(o, n, limit int) window {
	return window{s0: max(0, -o), s1: min(n, limit-o), shift: o}
}

// blendPlane blends the visible part of a source plane (rows w apart,
// with its alpha and runs) into a destination plane.
func blendPlane(dst []byte, stride int, pix, alpha []byte, w int, rs *runs, wx, wy window) {
	if wx.s0 >= wx.s1 {
		return
	}
	for sy := wy.s0; sy < wy.s1; sy++ {
		drow := (sy+wy.shift)*stride + wx.shift
		for _, r := range rs.row(sy) {
			x0, x1 := max(int(r.x0), wx.s0), min(int(r.x1), wx.s1)
			if x0 >= x1 {
				continue
			}
			d, s := dst[drow+x0:drow+x1], pix[sy*w+x0:sy*w+x1]
			if r.opaque {
				copy(d, s)
			} else {
				blendRun(d, s, alpha[sy*w+x0:sy*w+x1])
			}
		}
	}
}

// blendRun mixes s over d sample by sample by alpha a.
func blendRun(d, s, a []byte) {
	s, a = s[:len(d)], a[:len(d)]
	for i := range d {
		d[i] = mix(s[i], d[i], int(a[i]))
	}
}

// mix returns src over dst at alpha a (0–255), rounded.
func mix(src, dst byte, a int) byte {
	return byte((uint32(src)*uint32(a) + uint32(dst)*uint32(255-a) + 127) / 255)
}

package codec

// scaleGeometry maps a source region onto a destination region; every
// offset is even so 4:2:0 chroma stays aligned.
type scaleGeometry struct {
	srcX, srcY, srcW, srcH int // region of the input picture
	dstX, dstY, dstW, dstH int // where it lands in the output
}

// fitGeometry places a sw×sh picture in a dw×dh frame (dw, dh even).
func fitGeometry(sw, sh, dw, dh int, fit Fit) scaleGeometry {
	g := scaleGeometry{srcW: sw, srcH: sh, dstW: dw, dstH: dh}
	switch fit {
	case FitContain:
		// Scale by the smaller ratio: sw/sh wider than dw/dh bars top and
		// bottom (letterbox), narrower bars left and right (pillarbox).
		if sw*dh > dw*sh {
			g.dstH = clampEven(dw*sh/sw, dh)
		} else {
			g.dstW = clampEven(dh*sw/sh, dw)
		}
		g.dstX, g.dstY = even((dw-g.dstW)/2), even((dh-g.dstH)/2)
	case FitCover:
		// Crop the source to the target's aspect ratio, centred.
		if sw*dh > dw*sh {
			g.srcW = clampEven(sh*dw/dh, sw)
		} else {
			g.srcH = clampEven(sw*dh/dw, sh)
		}
		g.srcX, g.srcY = even((sw-g.srcW)/2), even((sh-g.srcH)/2)
	}
	return g
}

// even rounds n down to an even number.
func even(n int) int { return n &^ 1 }

// clampEven rounds n to an even number in [2, limit]; limit may be odd
// (a source size), in which case it is returned as is when n reaches it.
func clampEven(n, limit int) int {
	n = (n + 1) &^ 1
	if n >= limit {
		return limit
	}
	if n < 2 {
		return min(2, limit)
	}
	return n
}

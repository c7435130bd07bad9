package synth

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/roomcast/roomcast/pipeline/media"
)

// The shared screen: slides of flat colours and boxes, each shown for
// clipSeconds, at 1280x720. No text: drawtext needs fonts ffmpeg may lack.
const (
	ScreenWidth      = 1280
	ScreenHeight     = 720
	DefaultScreenFPS = 5
	MinScreenFPS     = 5
	MaxScreenFPS     = 15
	// screenGOPSeconds is the keyframe interval; the loop is a whole
	// number of them, so it wraps around onto a keyframe.
	screenGOPSeconds = 2
)

// slide is one slide: a background and boxes drawn over it in order.
type slide struct {
	background string
	boxes      []box
}

// box is a filled rectangle in screen pixels.
type box struct {
	x, y, w, h int
	color      string
}

// slides look like a talk: a bullet list, a bar chart, a picture beside
// text, a closing card. Each also carries its number as small squares in
// the bottom right corner.
var slides = []slide{
	{"0x1e3a5f", []box{
		{0, 0, 1280, 120, "0xf2f2f2"}, {80, 40, 640, 40, "0x1e3a5f"},
		{120, 200, 40, 40, "0xffb000"}, {200, 200, 800, 40, "white"},
		{120, 300, 40, 40, "0xffb000"}, {200, 300, 640, 40, "white"},
		{120, 400, 40, 40, "0xffb000"}, {200, 400, 720, 40, "white"},
	}},
	{"white", []box{
		{0, 0, 1280, 120, "0x1e3a5f"},
		{160, 240, 160, 400, "0x2e86de"}, {400, 400, 160, 240, "0xee5253"},
		{640, 320, 160, 320, "0x10ac84"}, {880, 180, 160, 460, "0xff9f43"},
		{120, 640, 1040, 6, "black"},
	}},
	{"0xdfe6e9", []box{
		{80, 60, 1120, 80, "0x2d3436"}, {80, 200, 520, 440, "0x0984e3"},
		{680, 200, 520, 80, "white"}, {680, 320, 520, 80, "white"}, {680, 440, 360, 80, "white"},
	}},
	{"0x2d3436", []box{
		{240, 160, 800, 400, "0xfdcb6e"}, {440, 320, 400, 80, "0x2d3436"},
	}},
}

// screenSpec is the screen-share clip: the slides in turn, clipSeconds
// each, a keyframe every screenGOPSeconds, in codec.
func screenSpec(codec media.Codec, fps int) clipSpec {
	args := []string{
		"-f", "lavfi", "-i", slidesGraph(fps),
		"-frames:v", strconv.Itoa(len(slides) * clipSeconds * fps), "-an",
	}
	args, ext := appendVideoEncoder(args, codec, screenGOPSeconds*fps)
	prefix := fmt.Sprintf("screen-%s-%dx%d-%dfps-%dslides",
		strings.ToLower(string(codec)), ScreenWidth, ScreenHeight, fps, len(slides))
	return clipSpec{name: cacheName(prefix, ext, args), args: args}
}

// slidesGraph is the lavfi graph: one color source with drawbox filters per
// slide, concatenated.
func slidesGraph(fps int) string {
	var g strings.Builder
	for i, s := range slides {
		fmt.Fprintf(&g, "color=c=%s:s=%dx%d:r=%d:d=%d", s.background, ScreenWidth, ScreenHeight, fps, clipSeconds)
		for _, b := range s.boxes {
			writeBox(&g, b)
		}
		for n := range i + 1 { // the slide number
			writeBox(&g, box{ScreenWidth - 60 - 30*n, ScreenHeight - 50, 20, 20, "0x808080"})
		}
		fmt.Fprintf(&g, "[s%d];", i)
	}
	for i := range slides {
		fmt.Fprintf(&g, "[s%d]", i)
	}
	fmt.Fprintf(&g, "concat=n=%d:v=1:a=0,format=yuv420p[out0]", len(slides))
	return g.String()
}

func writeBox(g *strings.Builder, b box) {
	fmt.Fprintf(g, ",drawbox=x=%d:y=%d:w=%d:h=%d:color=%s:t=fill", b.x, b.y, b.w, b.h, b.color)
}

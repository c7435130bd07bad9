package synth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrNoMedia is wrapped by the error for a Config.File that has neither a
// video nor an audio stream.
var ErrNoMedia = errors.New("no video or audio stream")

// probedFile is the part of ffprobe's JSON output (-show_streams
// -show_format) that decides how a file is published.
type probedFile struct {
	Streams []probedStream `json:"streams"`
	Format  struct {
		Name     string `json:"format_name"`
		Duration string `json:"duration"`
	} `json:"format"`
}

type probedStream struct {
	Index        int    `json:"index"`
	CodecName    string `json:"codec_name"`
	CodecType    string `json:"codec_type"` // video, audio, subtitle, data, attachment
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	PixFmt       string `json:"pix_fmt"`
	FieldOrder   string `json:"field_order"`
	HasBFrames   int    `json:"has_b_frames"`
	RFrameRate   string `json:"r_frame_rate"`
	AvgFrameRate string `json:"avg_frame_rate"`
	StartTime    string `json:"start_time"` // seconds; "N/A" or absent when unknown
	Duration     string `json:"duration"`
	Channels     int    `json:"channels"`
	Disposition  struct {
		AttachedPic int `json:"attached_pic"` // cover art: a picture, not a video
	} `json:"disposition"`
}

// probeFile runs ffprobe on path.
func probeFile(ctx context.Context, path string) (probedFile, error) {
	out, err := runFFTool(ctx, "ffprobe", []string{
		"-v", "error", "-print_format", "json", "-show_streams", "-show_format", "-i", ffmpegInput(path),
	})
	if err != nil {
		return probedFile{}, fmt.Errorf("probe %s: %w", path, err)
	}
	var f probedFile
	if err := json.Unmarshal(out, &f); err != nil {
		return probedFile{}, fmt.Errorf("probe %s: ffprobe output: %w", path, err)
	}
	return f, nil
}

// ffmpegInput names a local file for ffmpeg and ffprobe so that no part of
// the name reads as a protocol or an option.
func ffmpegInput(path string) string { return "file:" + path }

// video is the first video stream that is not cover art, or nil.
func (f probedFile) video() *probedStream {
	for i, s := range f.Streams {
		if s.CodecType == "video" && s.Disposition.AttachedPic == 0 {
			return &f.Streams[i]
		}
	}
	return nil
}

// audio is the first audio stream, or nil.
func (f probedFile) audio() *probedStream {
	for i, s := range f.Streams {
		if s.CodecType == "audio" {
			return &f.Streams[i]
		}
	}
	return nil
}

// start is the stream's start_time; 0 when ffprobe does not know it.
func (s probedStream) start() time.Duration {
	return parseSeconds(s.StartTime)
}

func parseSeconds(s string) time.Duration {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e6 {
		return 0
	}
	return time.Duration(math.Round(v*1e6)) * time.Microsecond
}

// rational is a frame rate as ffprobe writes it, "30000/1001".
type rational struct{ num, den int64 }

func parseRational(s string) rational {
	n, d, ok := strings.Cut(s, "/")
	if !ok {
		d = "1"
	}
	num, err1 := strconv.ParseInt(n, 10, 64)
	den, err2 := strconv.ParseInt(d, 10, 64)
	if err1 != nil || err2 != nil || num <= 0 || den <= 0 || num > 1<<30 || den > 1<<30 {
		return rational{}
	}
	return rational{num, den}
}

func (r rational) valid() bool    { return r.num > 0 && r.den > 0 }
func (r rational) float() float64 { return float64(r.num) / float64(r.den) }
func (r rational) String() string { return fmt.Sprintf("%d/%d", r.num, r.den) }
func (r rational) near(o rational) bool {
	return r.valid() && o.valid() && math.Abs(r.float()-o.float()) <= 1e-3*r.float()
}

// Frame rates a transcoded file is sent at.
const (
	maxFileFPS = 60
)

// constantRate is the frame rate of a constant-frame-rate stream: its
// r_frame_rate (the base rate of its timestamps) when the average rate
// agrees with it. A variable-rate stream has none.
func (s probedStream) constantRate() (rational, bool) {
	r, avg := parseRational(s.RFrameRate), parseRational(s.AvgFrameRate)
	if r.near(avg) {
		return r, true
	}
	return rational{}, false
}

// transcodeRate is the constant frame rate a transcoded stream gets: the
// stream's own when it is constant and at most maxFileFPS, else its average
// rounded to whole frames per second (1..maxFileFPS), else fallback.
func (s probedStream) transcodeRate(fallback int) rational {
	if r, ok := s.constantRate(); ok && r.float() <= maxFileFPS {
		return r
	}
	for _, r := range []rational{parseRational(s.AvgFrameRate), parseRational(s.RFrameRate)} {
		if r.valid() {
			fps := min(max(int64(math.Round(r.float())), 1), maxFileFPS)
			return rational{fps, 1}
		}
	}
	return rational{int64(fallback), 1}
}

// h264CopyProblem says why an H.264 stream cannot be sent as it is, or "".
// Samples go out in decoding order with one timestamp step each, so the
// stream must have no B-frames (no reordering) and a constant rate; and a
// browser must be able to decode it.
func (s probedStream) h264CopyProblem() string {
	switch {
	case s.HasBFrames > 0:
		return "it has B-frames"
	case s.PixFmt != "" && s.PixFmt != "yuv420p" && s.PixFmt != "yuvj420p":
		return "its pixel format is " + s.PixFmt
	case s.FieldOrder != "" && s.FieldOrder != "progressive" && s.FieldOrder != "unknown":
		return "it is interlaced"
	}
	if _, ok := s.constantRate(); !ok {
		return fmt.Sprintf("its frame rate is variable (r_frame_rate %s, avg_frame_rate %s)", s.RFrameRate, s.AvgFrameRate)
	}
	return ""
}

package synth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// A Config.File is published in place of the test pattern and the tone.
// ffprobe tells its streams; each becomes a clip that ffmpeg writes into
// the cache: VP8 and Opus copied as they are, H.264 too when it can go out
// in decoding order at a constant rate, everything else transcoded with the
// settings of the test pattern (video, in Config.Codec) and to 20 ms stereo
// Opus (audio). See file_loop.go for how the clips are scheduled.

// filePlan is how a file is published.
type filePlan struct {
	path         string      // absolute
	key          string      // the cache key: path, size and modification time
	video, audio *streamPlan // nil: the file has no such stream
}

// streamPlan is how one stream of the file becomes a clip.
type streamPlan struct {
	probed probedStream
	source string        // its codec in the file
	codec  media.Codec   // the codec sent
	copied bool          // sent as it is: no encoder runs
	why    string        // why it is transcoded
	start  time.Duration // its start_time in the file
	rate   rational      // video: the frame rate of the clip
	spec   clipSpec
}

func (s *streamPlan) String() string {
	if s.copied {
		return s.source + " (copied)"
	}
	return fmt.Sprintf("%s transcoded to %s (%s)", s.source, strings.ToLower(string(s.codec)), s.why)
}

// validateFile checks that a File is a readable regular file, naming it.
func (c Config) validateFile() error {
	if c.File == "" {
		return nil
	}
	if len(c.Speak) > 0 {
		return invalid("Speak", "cannot go with File: the file brings its own audio")
	}
	f, err := os.Open(c.File)
	if err != nil {
		return invalid("File", "%v", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return invalid("File", "%v", err)
	}
	if !fi.Mode().IsRegular() {
		return invalid("File", "%s is not a regular file", c.File)
	}
	return nil
}

// planFile probes cfg.File and decides what to copy and what to transcode.
func planFile(ctx context.Context, cfg Config) (filePlan, error) {
	path, err := filepath.Abs(cfg.File)
	if err != nil {
		return filePlan{}, fmt.Errorf("media file %s: %w", cfg.File, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return filePlan{}, fmt.Errorf("media file: %w", err)
	}
	probed, err := probeFile(ctx, path)
	if err != nil {
		return filePlan{}, err
	}
	// A file changed in place gets new clips.
	plan := filePlan{path: path, key: fmt.Sprintf("%s\x00%d\x00%d", path, fi.Size(), fi.ModTime().UnixNano())}
	if s := probed.video(); s != nil {
		plan.video = planVideo(*s, plan, cfg, false)
	}
	if s := probed.audio(); s != nil {
		plan.audio = planAudio(*s, plan)
	}
	if plan.video == nil && plan.audio == nil {
		return filePlan{}, fmt.Errorf("media file %s: %w (streams: %s)", path, ErrNoMedia, probed.streamTypes())
	}
	return plan, nil
}

func (f probedFile) streamTypes() string {
	var types []string
	for _, s := range f.Streams {
		types = append(types, s.CodecType+" "+s.CodecName)
	}
	if len(types) == 0 {
		return "none"
	}
	return strings.Join(types, ", ")
}

// planVideo copies VP8, and H.264 that can go out as it is (unless
// transcode); anything else is transcoded to cfg.Codec at a constant rate,
// timed from the stream's first frame, a keyframe every second.
func planVideo(s probedStream, f filePlan, cfg Config, transcode bool) *streamPlan {
	p := &streamPlan{probed: s, source: s.CodecName, start: s.start(), rate: s.transcodeRate(cfg.FPS)}
	args := []string{"-i", ffmpegInput(f.path), "-map", "0:" + strconv.Itoa(s.Index)}
	var ext string
	problem := s.h264CopyProblem()
	switch {
	case transcode:
		p.why = "it cannot be read as it is"
	case s.CodecName == "vp8":
		// IVF keeps each frame's timestamp: a variable rate is fine.
		p.codec, p.copied = media.CodecVP8, true
		args, ext = append(args, "-c:v", "copy", "-f", "ivf"), "ivf"
	case s.CodecName == "h264" && problem == "":
		// Raw H.264 has no timestamps: it is paced at its constant rate.
		p.codec, p.copied = media.CodecH264, true
		p.rate, _ = s.constantRate()
		args, ext = append(args, "-c:v", "copy", "-bsf:v", "h264_mp4toannexb", "-f", "h264"), "h264"
	case s.CodecName == "h264":
		p.why = problem
	default:
		p.why = "roomcast sends VP8 or H.264"
	}
	if !p.copied {
		p.codec = cfg.Codec
		gop := max(int(math.Round(p.rate.float())), 1)
		args = append(args, "-vf", "setpts=PTS-STARTPTS,scale=trunc(iw/2)*2:trunc(ih/2)*2",
			"-fps_mode", "cfr", "-r", p.rate.String())
		args, ext = appendVideoEncoder(args, p.codec, gop)
	}
	p.spec = fileSpec(f, "video", ext, args)
	return p
}

// planAudio copies Opus of one or two channels and transcodes anything
// else to 20 ms stereo Opus; aresample fills gaps in the stream's
// timestamps with silence, so the packets follow its timeline.
func planAudio(s probedStream, f filePlan) *streamPlan {
	p := &streamPlan{probed: s, source: s.CodecName, codec: media.CodecOpus, start: s.start()}
	args := []string{"-i", ffmpegInput(f.path), "-map", "0:" + strconv.Itoa(s.Index)}
	switch {
	case s.CodecName == "opus" && s.Channels <= 2:
		p.copied = true
		args = append(args, "-c:a", "copy", "-f", "ogg")
	case s.CodecName == "opus":
		p.why = fmt.Sprintf("it has %d channels", s.Channels)
	default:
		p.why = "WebRTC audio is Opus"
	}
	if !p.copied {
		args = append(args, "-af", "aresample=async=1",
			"-c:a", "libopus", "-frame_duration", "20", "-b:a", "64k", "-ac", "2", "-ar", "48000", "-f", "ogg")
	}
	p.spec = fileSpec(f, "audio", "ogg", args)
	return p
}

// fileSpec names a file's clip after the file and a hash of the cache key
// and the ffmpeg arguments.
func fileSpec(f filePlan, kind, ext string, args []string) clipSpec {
	sum := sha256.Sum256([]byte(f.key + "\x00" + strings.Join(args, "\x00")))
	base := strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, filepath.Base(f.path))
	if len(base) > 40 {
		base = base[:40]
	}
	return clipSpec{name: fmt.Sprintf("file-%s-%s-%s.%s", base, kind, hex.EncodeToString(sum[:8]), ext), args: args}
}

// loadFile prepares and loads Config.File, and the extra clips the config
// asks for.
func (p *Publisher) loadFile(ctx context.Context) (clips, error) {
	plan, err := planFile(ctx, p.cfg)
	if err != nil {
		return clips{}, err
	}
	cache := clipCache{dir: p.cfg.CacheDir, log: p.log}
	f, err := prepareFile(ctx, cache, plan, p.cfg)
	if err != nil {
		return clips{}, err
	}
	p.log.Info("media file", "file", plan.path, "video", describe(f.plan.video), "audio", describe(f.plan.audio),
		"length", f.length().Round(time.Millisecond), "loop", p.cfg.Loop)
	c := clips{video: f.video, audio: f.audio, file: f}
	if err := p.loadExtras(ctx, cache, &c); err != nil {
		return clips{}, err
	}
	return c, nil
}

func describe(s *streamPlan) string {
	if s == nil {
		return "none"
	}
	return s.String()
}

// prepareFile makes (or reuses) the clips of plan and schedules them. A
// copied video stream that does not load as a clip, say H.264 that does
// not start with an IDR picture, is transcoded instead.
func prepareFile(ctx context.Context, cache clipCache, plan filePlan, cfg Config) (*fileMedia, error) {
	var video *videoClip
	if plan.video != nil {
		var err error
		video, err = loadFileVideo(ctx, cache, plan.video)
		if err != nil && plan.video.copied {
			cache.log.Warn("media file: transcoding the video stream", "file", plan.path, "err", err)
			plan.video = planVideo(plan.video.probed, plan, cfg, true)
			video, err = loadFileVideo(ctx, cache, plan.video)
		}
		if err != nil {
			return nil, fmt.Errorf("media file %s: %w", plan.path, err)
		}
	}
	var audio *audioClip
	if plan.audio != nil {
		path, err := cache.path(ctx, plan.audio.spec)
		if err == nil {
			audio, err = loadAudioClip(path)
		}
		if err == nil && len(audio.packets) == 0 {
			err = errors.New("the stream has no audio packets")
		}
		if err != nil {
			return nil, fmt.Errorf("media file %s: audio: %w", plan.path, err)
		}
	}
	return scheduleFile(plan, video, audio), nil
}

func loadFileVideo(ctx context.Context, cache clipCache, s *streamPlan) (*videoClip, error) {
	path, err := cache.path(ctx, s.spec)
	if err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	return loadVideoClip(path, s.codec)
}

package synth

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// Defaults applied by New to zero fields.
const (
	DefaultWidth  = 320
	DefaultHeight = 240
	DefaultFPS    = 30
)

// ErrInvalidConfig is wrapped by every error New returns for a bad Config.
var ErrInvalidConfig = errors.New("invalid synth config")

// Config describes one synthetic participant.
type Config struct {
	Server string // base URL, e.g. http://127.0.0.1:8080
	Token  string // API key, sent as Authorization: Bearer <token>; never logged
	Room   string
	Name   string // participant name; also the stream id of both tracks

	Codec              media.Codec // media.CodecVP8 or media.CodecH264
	Width, Height, FPS int         // default 320x240 @ 30

	Duration     time.Duration // 0 = until ctx is cancelled
	LoopbackOnly bool          // ICE on 127.0.0.1 only
	// UDPConn, when set, carries the publisher's ICE traffic (see
	// rtc.Options.UDPConn): a benchmark wraps it to add loss and delay.
	UDPConn net.PacketConn

	// Speak is the speaking schedule (see ParseSpeak): the tone inside its
	// spans, Opus silence outside. nil: the tone all along.
	Speak []SpeakSpan
	// Screen adds a second video track in Codec, a shared screen (msid
	// track id "screen"): 1280x720 slides at ScreenFPS (default 5, 5..15).
	Screen    bool
	ScreenFPS int

	// File, when set, is a media file (any ffmpeg reads) published instead
	// of the test pattern and the tone; Loop plays it again and again, else
	// publishing ends at its end. See file_source.go.
	File string
	Loop bool
	// KeyframeNow makes a keyframe request (PLI, FIR) jump the File's
	// video to its next keyframe and go on from there at once, as a
	// camera encoding live answers with an IDR and goes on; the video's
	// content then leads the audio's. Without it the keyframe goes out
	// early and the video holds it until the frame after it is due, which
	// keeps the file's lip sync but freezes the picture up to a GOP.
	KeyframeNow bool

	// CacheDir holds the generated media files; default
	// os.UserCacheDir()/roomcast/synth, or os.TempDir()/roomcast/synth.
	CacheDir string

	Logger     *slog.Logger
	HTTPClient *http.Client // optional; one with its own transport is made otherwise
}

// withDefaults returns a copy of c with zero fields filled in.
func (c Config) withDefaults() Config {
	if c.Width == 0 {
		c.Width = DefaultWidth
	}
	if c.Height == 0 {
		c.Height = DefaultHeight
	}
	if c.FPS == 0 {
		c.FPS = DefaultFPS
	}
	if c.ScreenFPS == 0 {
		c.ScreenFPS = DefaultScreenFPS
	}
	if c.CacheDir == "" {
		c.CacheDir = defaultCacheDir()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func defaultCacheDir() string {
	base, err := os.UserCacheDir()
	if err != nil || base == "" {
		base = os.TempDir()
	}
	return filepath.Join(base, "roomcast", "synth")
}

// validate names the first bad field.
func (c Config) validate() error {
	if err := c.validateTarget(); err != nil {
		return err
	}
	if c.Codec != media.CodecVP8 && c.Codec != media.CodecH264 {
		return invalid("Codec", "%q is not VP8 or H264", c.Codec)
	}
	if c.Width < 16 || c.Width > 1920 || c.Height < 16 || c.Height > 1080 {
		return invalid("Width/Height", "%dx%d is outside 16x16..1920x1080", c.Width, c.Height)
	}
	if c.Width%2 != 0 || c.Height%2 != 0 {
		return invalid("Width/Height", "%dx%d must be even for 4:2:0 video", c.Width, c.Height)
	}
	if c.FPS < 1 || c.FPS > 60 {
		return invalid("FPS", "%d is outside 1..60", c.FPS)
	}
	if c.Duration < 0 {
		return invalid("Duration", "%s is negative", c.Duration)
	}
	if err := c.validateFile(); err != nil {
		return err
	}
	return c.validateExtras()
}

func (c Config) validateTarget() error {
	if c.Server == "" {
		return invalid("Server", "empty")
	}
	u, err := url.Parse(c.Server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid("Server", "%q is not an http(s) URL", redactURL(c.Server))
	}
	if c.Room == "" {
		return invalid("Room", "empty")
	}
	if c.Name == "" {
		return invalid("Name", "empty")
	}
	return nil
}

func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
}

// redactURL hides a password in a URL for logs and errors.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<unparsable URL>"
	}
	return u.Redacted()
}

package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/room/synth"
)

// publish runs a synthetic participant: a looping test pattern with a tone,
// or a media file (--file).
func publish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "", "roomcast server URL (default $ROOMCAST_SERVER or http://127.0.0.1:8080)")
	token := fs.String("token", "", "API key or the room's join token (default $ROOMCAST_API_KEY)")
	roomName := fs.String("room", "", "room to join (required)")
	name := fs.String("name", "synthetic", "participant name")
	codec := fs.String("codec", "vp8", "video codec: vp8 or h264 (with --file: the codec a transcoded video gets)")
	duration := fs.Duration("duration", 0, "how long to publish (0 = until interrupted)")
	width := fs.Int("width", 640, "video width")
	height := fs.Int("height", 360, "video height")
	fps := fs.Int("fps", 30, "video frame rate")
	loopback := fs.Bool("loopback", false, "keep ICE on 127.0.0.1 (server on this machine)")
	asJSON := fs.Bool("json", false, "print the final stats as one JSON line")
	file := fs.String("file", "", "publish this media file (any ffmpeg reads) instead of the test pattern and tone:\n"+
		"VP8, Opus and H.264 without B-frames go out as they are, the rest is transcoded (video to --codec)")
	loop := fs.Bool("loop", true, "with --file: play the file again and again until --duration or interrupted;\n"+
		"--loop=false plays it once")
	keyNow := fs.Bool("keyframe-now", false, "with --file: answer a keyframe request with the file's next keyframe and go on\n"+
		"from it at once, as a live encoder does (the video then leads the audio); default: send it\n"+
		"early and hold it until the frame after it is due, which keeps the file's lip sync")
	speak := fs.String("speak", "", "speaking schedule, e.g. 0-5s,10-15s or 1m-1m30s,2m-: the tone inside the spans\n"+
		"(offsets from the start of publishing; a bare number is seconds; START- runs to the end),\n"+
		"silence outside (default: the tone all along)")
	screen := fs.Bool("screen", false, "also share a screen: a second video track (msid track id \"screen\"),\n"+
		"1280x720 slides that change every 3 s, in --codec")
	screenFPS := fs.Int("screen-fps", synth.DefaultScreenFPS,
		fmt.Sprintf("screen share frame rate, %d..%d", synth.MinScreenFPS, synth.MaxScreenFPS))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *server == "" {
		*server = cmp.Or(os.Getenv("ROOMCAST_SERVER"), "http://127.0.0.1:8080")
	}
	if *token == "" {
		*token = os.Getenv("ROOMCAST_API_KEY")
	}
	if *token == "" {
		return errors.New("--token or ROOMCAST_API_KEY is required")
	}
	if *roomName == "" {
		return errors.New("--room is required")
	}
	c, err := media.ParseCodec(*codec)
	if err != nil || c.Kind() != media.KindVideo {
		return fmt.Errorf("--codec: want vp8 or h264, got %q", *codec)
	}
	spans, err := synth.ParseSpeak(*speak)
	if err != nil {
		return fmt.Errorf("--speak: %w", err)
	}
	p, err := synth.New(synth.Config{
		Server: *server, Token: *token, Room: *roomName, Name: *name, Codec: c,
		Width: *width, Height: *height, FPS: *fps, Duration: *duration, LoopbackOnly: *loopback,
		Speak: spans, Screen: *screen, ScreenFPS: *screenFPS, File: *file, Loop: *loop, KeyframeNow: *keyNow,
		Logger: slog.New(slog.NewTextHandler(stderr, nil)),
	})
	if err != nil {
		return err
	}
	start := time.Now()
	err = p.Run(ctx)
	st := p.Stats()
	if st.ParticipantID == "" && err != nil {
		return err
	}
	if *asJSON {
		_ = json.NewEncoder(stdout).Encode(publishStats{
			ParticipantID: st.ParticipantID, VideoFrames: st.VideoFrames, AudioFrames: st.AudioFrames,
			Keyframes: st.Keyframes, PLIs: st.PLIs, NACKs: st.NACKs,
			SilentAudioFrames: st.SilentAudioFrames, ScreenFrames: st.ScreenFrames,
		})
	} else {
		fmt.Fprintf(stdout, "published %s for %s: %d video frames (%d keyframes), %d audio frames, %d PLIs, %d NACKs\n",
			st.ParticipantID, time.Since(start).Round(time.Millisecond), st.VideoFrames, st.Keyframes, st.AudioFrames, st.PLIs, st.NACKs)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// publishStats is the --json output of publish.
type publishStats struct {
	ParticipantID string `json:"participant_id"`
	VideoFrames   uint64 `json:"video_frames"`
	AudioFrames   uint64 `json:"audio_frames"`
	Keyframes     uint64 `json:"keyframes"`
	PLIs          uint64 `json:"plis"`
	NACKs         uint64 `json:"nacks"`

	SilentAudioFrames uint64 `json:"silent_audio_frames,omitempty"` // with --speak
	ScreenFrames      uint64 `json:"screen_frames,omitempty"`       // with --screen
}

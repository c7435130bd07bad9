package synth

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

func TestVideoClipsFromFFmpeg(t *testing.T) {
	const w, h, fps = 160, 120, 10
	cache := clipCache{dir: testCacheDir, log: newDiscardLogger()}
	for _, codec := range []media.Codec{media.CodecVP8, media.CodecH264} {
		t.Run(string(codec), func(t *testing.T) {
			start := time.Now()
			path, err := cache.path(context.Background(), videoSpec(codec, w, h, fps))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s clip ready in %v", codec, time.Since(start))
			c, err := loadVideoClip(path, codec)
			if err != nil {
				t.Fatal(err)
			}
			checkClipGOPs(t, c, codec, clipSeconds*fps, fps)
		})
	}
}

// checkClipGOPs wants n frames with a keyframe exactly every gop frames,
// and for H.264 SPS and PPS in front of every IDR.
func checkClipGOPs(t *testing.T, c *videoClip, codec media.Codec, n, gop int) {
	t.Helper()
	if len(c.frames) != n {
		t.Fatalf("%d frames, want %d", len(c.frames), n)
	}
	for i, key := range c.keys {
		if key != (i%gop == 0) {
			t.Errorf("frame %d: key %v", i, key)
		}
		if codec == media.CodecH264 && key && !bytes.HasPrefix(c.frames[i], []byte{0, 0, 0, 1, 0x67}) {
			t.Errorf("IDR access unit %d does not start with an SPS: % x", i, c.frames[i][:8])
		}
	}
}

func TestAudioClipFromFFmpeg(t *testing.T) {
	path, err := clipCache{dir: testCacheDir, log: newDiscardLogger()}.path(context.Background(), audioSpec())
	if err != nil {
		t.Fatal(err)
	}
	c, err := loadAudioClip(path)
	if err != nil {
		t.Fatal(err)
	}
	// 3 s of 20 ms packets, plus one for the encoder's pre-skip.
	if n := len(c.packets); n < 150 || n > 151 {
		t.Errorf("%d packets, want 150 or 151", n)
	}
	for i, s := range c.samples {
		if s != 960 {
			t.Fatalf("packet %d lasts %d samples, want 960", i, s)
		}
	}
}

// TestClipCacheConcurrent has several callers ask for the same missing
// file at once: all get it, and no temporary file is left.
func TestClipCacheConcurrent(t *testing.T) {
	dir := t.TempDir()
	cache := clipCache{dir: dir, log: newDiscardLogger()}
	var wg sync.WaitGroup
	paths := make([]string, 6)
	errs := make([]error, len(paths))
	for i := range paths {
		wg.Go(func() { paths[i], errs[i] = cache.path(context.Background(), audioSpec()) })
	}
	wg.Wait()
	for i := range paths {
		if errs[i] != nil || paths[i] != paths[0] {
			t.Fatalf("caller %d: %q, %v", i, paths[i], errs[i])
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("cache holds %d entries, want the one clip", len(entries))
	}
	if _, err := loadAudioClip(paths[0]); err != nil {
		t.Error(err)
	}
}

func TestClipSpecNames(t *testing.T) {
	a := videoSpec(media.CodecVP8, 320, 240, 30).name
	for _, other := range []string{
		videoSpec(media.CodecH264, 320, 240, 30).name,
		videoSpec(media.CodecVP8, 640, 480, 30).name,
		videoSpec(media.CodecVP8, 320, 240, 25).name,
		audioSpec().name,
	} {
		if other == a {
			t.Errorf("two specs share the cache name %s", a)
		}
	}
	if !strings.HasSuffix(a, ".ivf") || !strings.HasSuffix(videoSpec(media.CodecH264, 320, 240, 30).name, ".h264") {
		t.Errorf("unexpected names %s", a)
	}
}

func TestFFmpegErrors(t *testing.T) {
	err := runFFmpeg(context.Background(), []string{"-f", "lavfi", "-i", "nosuchsource", "-f", "null", "-"})
	if !errors.Is(err, ErrFFmpeg) || !strings.Contains(err.Error(), "nosuchsource") {
		t.Errorf("bad filter: %v, want ErrFFmpeg with ffmpeg's stderr", err)
	}
	t.Setenv("PATH", t.TempDir())
	err = runFFmpeg(context.Background(), []string{"-version"})
	if !errors.Is(err, ErrFFmpeg) || !strings.Contains(err.Error(), "PATH") {
		t.Errorf("no ffmpeg: %v, want ErrFFmpeg naming PATH", err)
	}
}

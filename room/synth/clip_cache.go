package synth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ErrFFmpeg is wrapped by errors from generating media with ffmpeg.
var ErrFFmpeg = errors.New("ffmpeg")

// generating dedupes ffmpeg runs for the same cache file within this
// process: ten publishers started at once share one encode. Across
// processes, the atomic rename in generate keeps the cache consistent.
var generating keyedMutex

// clipCache makes clip files with ffmpeg and keeps them in dir.
type clipCache struct {
	dir string
	log *slog.Logger
}

// path returns the cached file for spec, generating it first if missing.
func (c clipCache) path(ctx context.Context, spec clipSpec) (string, error) {
	dst := filepath.Join(c.dir, spec.name)
	if cached(dst) {
		return dst, nil
	}
	unlock := generating.lock(dst)
	defer unlock()
	if cached(dst) {
		return dst, nil
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return "", fmt.Errorf("create cache dir %s: %w", c.dir, err)
	}
	start := time.Now()
	if err := generate(ctx, dst, spec.args); err != nil {
		return "", err
	}
	c.log.Debug("generated synthetic media", "file", dst, "took", time.Since(start))
	return dst, nil
}

func cached(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Size() > 0
}

// generate runs ffmpeg into a temporary file next to dst and renames it
// into place, so readers never see a partial file.
func generate(ctx context.Context, dst string, args []string) error {
	tmp, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temp file for %s: %w", filepath.Base(dst), err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName) // a no-op once renamed

	if err := runFFmpeg(ctx, append(args, tmpName)); err != nil {
		return fmt.Errorf("generate %s: %w", filepath.Base(dst), err)
	}
	if err := os.Rename(tmpName, dst); err != nil {
		return fmt.Errorf("move %s into the cache: %w", filepath.Base(dst), err)
	}
	return nil
}

// runFFmpeg runs the ffmpeg command and puts its stderr in the error.
func runFFmpeg(ctx context.Context, args []string) error {
	_, err := runFFTool(ctx, "ffmpeg", append([]string{"-nostdin", "-v", "error", "-y"}, args...))
	return err
}

// runFFTool runs ffmpeg or ffprobe and returns its stdout; an error wraps
// ErrFFmpeg and holds the end of its stderr.
func runFFTool(ctx context.Context, name string, args []string) ([]byte, error) {
	bin, err := exec.LookPath(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %s not found on PATH (install ffmpeg with libvpx, libx264 and libopus): %w", ErrFFmpeg, name, err)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[len(msg)-2000:]
		}
		return nil, fmt.Errorf("%w: %w: %s", ErrFFmpeg, err, msg)
	}
	return stdout.Bytes(), nil
}

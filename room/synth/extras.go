package synth

import (
	"context"
	"fmt"
)

// validateExtras checks the options beyond the camera and the tone: the
// speaking schedule and the screen share.
func (c Config) validateExtras() error {
	if err := checkSpeak(c.Speak); err != nil {
		return invalid("Speak", "%v", err)
	}
	if c.ScreenFPS < MinScreenFPS || c.ScreenFPS > MaxScreenFPS {
		return invalid("ScreenFPS", "%d is outside %d..%d", c.ScreenFPS, MinScreenFPS, MaxScreenFPS)
	}
	return nil
}

// loadExtras generates (or reuses) and loads the clips only some configs
// need: the silence of a Speak schedule and the screen share.
func (p *Publisher) loadExtras(ctx context.Context, cache clipCache, c *clips) error {
	if len(p.cfg.Speak) > 0 {
		path, err := cache.path(ctx, silenceSpec())
		if err != nil {
			return fmt.Errorf("silent audio media: %w", err)
		}
		if c.silence, err = loadAudioClip(path); err != nil {
			return err
		}
	}
	if p.cfg.Screen {
		path, err := cache.path(ctx, screenSpec(p.cfg.Codec, p.cfg.ScreenFPS))
		if err != nil {
			return fmt.Errorf("screen media: %w", err)
		}
		if c.screen, err = loadVideoClip(path, p.cfg.Codec); err != nil {
			return err
		}
	}
	return nil
}

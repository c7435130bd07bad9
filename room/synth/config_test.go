package synth

import (
	"errors"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/pipeline/media"
)

func validConfig() Config {
	return Config{Server: "http://127.0.0.1:8080", Token: "t", Room: "r", Name: "n", Codec: media.CodecVP8}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"no server", func(c *Config) { c.Server = "" }, "Server"},
		{"server not http", func(c *Config) { c.Server = "ftp://x" }, "Server"},
		{"server without host", func(c *Config) { c.Server = "http://" }, "Server"},
		{"no room", func(c *Config) { c.Room = "" }, "Room"},
		{"no name", func(c *Config) { c.Name = "" }, "Name"},
		{"no codec", func(c *Config) { c.Codec = "" }, "Codec"},
		{"opus as video", func(c *Config) { c.Codec = media.CodecOpus }, "Codec"},
		{"too narrow", func(c *Config) { c.Width = 8 }, "Width"},
		{"too wide", func(c *Config) { c.Width = 1922 }, "Width"},
		{"too short", func(c *Config) { c.Height = 14 }, "Height"},
		{"too tall", func(c *Config) { c.Height = 1082 }, "Height"},
		{"odd width", func(c *Config) { c.Width = 321 }, "Width"},
		{"negative size", func(c *Config) { c.Width = -320 }, "Width"},
		{"fps too high", func(c *Config) { c.FPS = 61 }, "FPS"},
		{"fps negative", func(c *Config) { c.FPS = -1 }, "FPS"},
		{"negative duration", func(c *Config) { c.Duration = -1 }, "Duration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validConfig()
			tc.edit(&cfg)
			_, err := New(cfg)
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("New: %v, want ErrInvalidConfig naming %s", err, tc.field)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	p, err := New(validConfig())
	if err != nil {
		t.Fatal(err)
	}
	c := p.cfg
	if c.Width != 320 || c.Height != 240 || c.FPS != 30 || c.CacheDir == "" || c.Logger == nil || p.http == nil {
		t.Fatalf("defaults not applied: %+v", c)
	}
	for _, ok := range []Config{
		{Server: "https://x", Room: "r", Name: "n", Codec: media.CodecH264, Width: 1920, Height: 1080, FPS: 60},
		{Server: "http://x:1/base/", Room: "r", Name: "n", Codec: media.CodecVP8, Width: 16, Height: 16, FPS: 1},
	} {
		if _, err := New(ok); err != nil {
			t.Errorf("New(%+v): %v", ok, err)
		}
	}
}

package s3_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/storage/s3"
)

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		cfg  s3.Config
		ok   bool
	}{
		{"ok", s3.Config{Bucket: "b"}, true},
		{"static", s3.Config{Bucket: "b", AccessKey: "a", SecretKey: "s"}, true},
		{"no bucket", s3.Config{}, false},
		{"half credentials", s3.Config{Bucket: "b", AccessKey: "a"}, false},
		{"tiny parts", s3.Config{Bucket: "b", PartSize: 1 << 20}, false},
	}
	for _, c := range cases {
		err := c.cfg.Validate()
		if c.ok != (err == nil) || (err != nil && !errors.Is(err, s3.ErrConfig)) {
			t.Errorf("%s: Validate = %v", c.name, err)
		}
	}
}

func TestConfigNeverShowsSecret(t *testing.T) {
	cfg := s3.Config{Bucket: "b", AccessKey: "AKIDEXAMPLE", SecretKey: "TOPSECRETKEY"}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("open", "cfg", cfg)
	out := buf.String() + fmt.Sprintf("%v %+v %s", cfg, cfg, cfg)
	if strings.Contains(out, "TOPSECRETKEY") {
		t.Fatalf("secret leaked: %s", out)
	}
}

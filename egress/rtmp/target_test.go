package rtmp

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		raw                string
		tls                bool
		host               string
		port               int
		app, key, redacted string
	}{
		{"rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop", false, "a.rtmp.youtube.com", 1935, "live2", "abcd-efgh-ijkl-mnop",
			"rtmp://a.rtmp.youtube.com:1935/live2/****"},
		{"rtmps://live-api-s.facebook.com:443/rtmp/FB-123456789?s_bl=1&a=Abc", true, "live-api-s.facebook.com", 443, "rtmp",
			"FB-123456789?s_bl=1&a=Abc", "rtmps://live-api-s.facebook.com:443/rtmp/****"},
		{"rtmps://live-api-s.facebook.com/rtmp/k", true, "live-api-s.facebook.com", 443, "rtmp", "k",
			"rtmps://live-api-s.facebook.com:443/rtmp/****"},
		{"RTMP://live.twitch.tv/app/live_1234_abc", false, "live.twitch.tv", 1935, "app", "live_1234_abc",
			"rtmp://live.twitch.tv:1935/app/****"},
		{"rtmp://b.rtmp.youtube.com/live2?backup=1/key-1", false, "b.rtmp.youtube.com", 1935, "live2?backup=1", "key-1",
			"rtmp://b.rtmp.youtube.com:1935/live2?backup=1/****"},
		{"rtmp://[::1]:1936/live/k/with?q=a/b", false, "::1", 1936, "live", "k/with?q=a/b", ""},
		{"rtmp://127.0.0.1:19350/live/k?token=x/y", false, "127.0.0.1", 19350, "live", "k?token=x/y",
			"rtmp://127.0.0.1:19350/live/****"},
	} {
		got, err := ParseTarget(tc.raw)
		if tc.redacted == "" { // nested app: refused
			if err == nil {
				t.Errorf("ParseTarget(%q) accepted a nested application: %+v", tc.raw, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTarget(%q): %v", tc.raw, err)
			continue
		}
		if got.TLS != tc.tls || got.Host != tc.host || got.Port != tc.port || got.App != tc.app || got.key != tc.key {
			t.Errorf("ParseTarget(%q) = %+v %q", tc.raw, got, got.key)
		}
		if got.Redacted() != tc.redacted {
			t.Errorf("Redacted = %q, want %q", got.Redacted(), tc.redacted)
		}
		if cu := got.clientURL(); !strings.HasSuffix(cu, "/"+tc.app+"/"+tc.key) {
			t.Errorf("clientURL = %q", cu)
		}
	}
}

func TestParseTargetErrors(t *testing.T) {
	const key = "s3cr3t-k3y"
	for _, raw := range []string{
		"", "live/" + key, "http://host/app/" + key, "srt://host/app/" + key, "rtmp://", "rtmp:///app/" + key,
		"rtmp://host", "rtmp://host/", "rtmp://host/app", "rtmp://host/app/", "rtmp://host//" + key,
		"rtmp://host/app/?" + key, "rtmp://host:0/app/" + key, "rtmp://host:99999/app/" + key,
		"rtmp://host:x/app/" + key, "rtmp://user:" + key + "@host/app/k", "rtmp://host/app/" + key + " x",
		"rtmp://host/a/b/" + key, "rtmp://[::1/app/" + key,
	} {
		tg, err := ParseTarget(raw)
		if err == nil {
			t.Errorf("ParseTarget(%q) = %v, want an error", raw, tg)
			continue
		}
		assertNoKey(t, key, err.Error())
	}
}

// TestTargetNeverPrintsKey covers every way a Target or an Output gets
// formatted or logged.
func TestTargetNeverPrintsKey(t *testing.T) {
	const key = "live_98765_SECRETSECRET"
	tg := mustTarget(t, "rtmps://live.example.com/app/"+key)
	o := New(Config{Target: tg})
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("x", "target", tg, "cfg", o.cfg, "output", o)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("y", "target", tg, "any", any(tg), "output", o)
	assertNoKey(t, key,
		fmt.Sprint(tg), fmt.Sprintf("%v %+v %#v %s %q", tg, tg, tg, tg, tg),
		fmt.Sprintf("%v %+v %#v", o.cfg, o.cfg, o.cfg),
		fmt.Sprintf("%v %+v %#v %s", o, o, o, o),
		fmt.Sprintf("%v", []Target{tg}), fmt.Sprintf("%+v", map[string]Target{"t": tg}),
		buf.String(), o.Stats().LastError)
	if !strings.Contains(buf.String(), "rtmps://live.example.com:443/app/****") {
		t.Errorf("logs lack the redacted URL: %s", buf.String())
	}
}

func TestScrub(t *testing.T) {
	tg := mustTarget(t, "rtmp://h/app/abc123?token=zz")
	got := tg.scrub("no stream abc123?token=zz nor abc123 here\x00\x01" + strings.Repeat("x", 300))
	if strings.Contains(got, "abc123") || strings.ContainsRune(got, 0) || len(got) > 170 {
		t.Errorf("scrub = %q", got)
	}
}

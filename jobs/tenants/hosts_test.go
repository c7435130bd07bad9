package tenants

import "testing"

func TestRTMPHostAllowed(t *testing.T) {
	s := Settings{AllowedRTMPHosts: []string{"a.rtmp.youtube.com", "*.twitch.tv"}}
	for host, want := range map[string]bool{
		"a.rtmp.youtube.com":   true,
		"A.RTMP.YouTube.com.":  true,
		"b.rtmp.youtube.com":   false,
		"live.twitch.tv":       true,
		"x.live.twitch.tv":     true,
		"twitch.tv":            false,
		"eviltwitch.tv":        false,
		"twitch.tv.evil.test":  false,
		"":                     false,
		"a.rtmp.youtube.com.x": false,
	} {
		if got := s.RTMPHostAllowed(host); got != want {
			t.Errorf("%q: %v, want %v", host, got, want)
		}
	}
	if !(&Settings{}).RTMPHostAllowed("anything.test") {
		t.Error("no patterns should allow any host")
	}
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestPublishRejectsBadFlags checks that a bad schedule or screen rate is
// refused before anything is published, naming the flag.
func TestPublishRejectsBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--speak", "5s-3s"}, "--speak: span 1"},
		{[]string{"--speak", "0-5s,3s-8s"}, "--speak: span 2"},
		{[]string{"--speak", "soon"}, "--speak"},
		{[]string{"--screen", "--screen-fps", "30"}, "ScreenFPS: 30 is outside 5..15"},
	}
	for _, tc := range cases {
		args := append([]string{"--room", "r", "--token", "t", "--server", "http://127.0.0.1:1"}, tc.args...)
		var stdout, stderr bytes.Buffer
		err := publish(context.Background(), args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("publish %v: %v, want an error with %q", tc.args, err, tc.want)
		}
	}
}

package client

import (
	"strings"
	"testing"
	"time"
)

var errT0 = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

// apiErrorCases feed the unit test and FuzzParseAPIError's seeds.
var apiErrorCases = []struct {
	name       string
	status     int
	body       string
	retryAfter string
	want       APIError
}{
	{"field", 400, `{"error":{"code":"invalid_field","message":"video.fps: must be between 1 and 60","field":"video.fps"}}`, "",
		APIError{400, "invalid_field", "video.fps: must be between 1 and 60", "video.fps", 0}},
	{"not found", 404, `{"error":{"code":"not_found","message":"no such egress job"}}` + "\n", "",
		APIError{404, "not_found", "no such egress job", "", 0}},
	{"rate seconds", 429, `{"error":{"code":"rate_limited","message":"slow down"}}`, "7",
		APIError{429, "rate_limited", "slow down", "", 7 * time.Second}},
	{"rate date", 503, `{"error":{"code":"unavailable","message":"job bus unavailable, try again"}}`, "Fri, 02 Jan 2026 15:05:05 GMT",
		APIError{503, "unavailable", "job bus unavailable, try again", "", time.Minute}},
	{"date past", 503, `{"error":{"code":"unavailable","message":"x"}}`, "Fri, 02 Jan 2026 15:00:00 GMT",
		APIError{503, "unavailable", "x", "", 0}},
	{"negative", 429, `{"error":{"code":"rate_limited","message":"x"}}`, "-3", APIError{429, "rate_limited", "x", "", 0}},
	{"huge", 429, `{"error":{"code":"rate_limited","message":"x"}}`, "99999999999999", APIError{429, "rate_limited", "x", "", 365 * 24 * time.Hour}},
	{"plain text", 429, "rate limit exceeded\n", "1", APIError{429, "rate_limited", "rate limit exceeded", "", time.Second}},
	{"html", 502, "<html><body>Bad Gateway</body></html>", "", APIError{502, "internal", "bad gateway", "", 0}},
	{"empty", 401, "", "", APIError{401, "unauthorized", "unauthorized", "", 0}},
	{"other json", 418, `{"message":"teapot"}`, "", APIError{418, "invalid_request", "i'm a teapot", "", 0}},
	{"no code", 409, `{"error":{"message":"job has ended"}}`, "soon", APIError{409, "conflict", "job has ended", "", 0}},
	{"unknown status", 599, "", "", APIError{599, "internal", "HTTP 599", "", 0}},
}

func TestParseAPIError(t *testing.T) {
	for _, tc := range apiErrorCases {
		got := parseAPIError(tc.status, []byte(tc.body), tc.retryAfter, errT0)
		if *got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, *got, tc.want)
		}
	}
	long := strings.Repeat("é", 300)
	if got := parseAPIError(500, []byte(long), "", errT0); len(got.Message) > 210 || !strings.HasSuffix(got.Message, "…") || !strings.HasPrefix(long, strings.TrimSuffix(got.Message, "…")) {
		t.Errorf("a long plain body: message %q", got.Message)
	}
	e := &APIError{Status: 404, Code: "not_found", Message: "no such room"}
	if e.Error() != "no such room (404 not_found)" {
		t.Errorf("Error() = %q", e.Error())
	}
}

// FuzzParseAPIError: any answer decodes to an error with the status,
// a code and a message, without panicking.
func FuzzParseAPIError(f *testing.F) {
	for _, tc := range apiErrorCases {
		f.Add(tc.status, []byte(tc.body), tc.retryAfter)
	}
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string) {
		e := parseAPIError(status, body, retryAfter, errT0)
		if e.Status != status || e.Code == "" || e.Message == "" || e.RetryAfter < 0 || e.RetryAfter > 365*24*time.Hour {
			t.Fatalf("parseAPIError(%d, %q, %q) = %+v", status, body, retryAfter, *e)
		}
	})
}

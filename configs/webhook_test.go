package configs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWebhookEndpointsValidation(t *testing.T) {
	const secret = "s3cr3t-0123456789abcdef"
	ep := func(tenant, url, secret string) string {
		return "webhook:\n  endpoints:\n    - {tenant: '" + tenant + "', url: '" + url + "', secret: '" + secret + "'}\n"
	}
	cases := []struct {
		name, yaml, field string
	}{
		{"ftp scheme", ep("acme", "ftp://h/x", secret), "webhook.endpoints[0].url"},
		{"no url", ep("acme", "", secret), "webhook.endpoints[0].url"},
		{"no host", ep("acme", "https:///x", secret), "webhook.endpoints[0].url"},
		{"bad tenant", ep("Acme Co", "https://h/x", secret), "webhook.endpoints[0].tenant"},
		{"no tenant", ep("", "https://h/x", secret), "webhook.endpoints[0].tenant"},
		{"no secret", ep("acme", "https://h/x", ""), "webhook.endpoints[0].secret"},
		{"short secret", ep("acme", "https://h/x", "short"), "webhook.endpoints[0].secret"},
		{"twice", "webhook:\n  endpoints:\n    - {tenant: a, url: 'https://h/x', secret: " + secret + "}\n    - {tenant: a, url: 'https://h/x', secret: " + secret + "}\n", "webhook.endpoints[1].url"},
		{"global scheme", "webhook:\n  url: 'ws://h/x'\n  secret: " + secret + "\n", "webhook.url"},
		{"attempts", "webhook:\n  max_attempts: 0\n", "webhook.max_attempts"},
		{"min above max", "webhook:\n  min_backoff: 1h\n  max_backoff: 1m\n", "webhook.min_backoff"},
		{"outbox", "webhook:\n  outbox_max_bytes: 10\n", "webhook.outbox_max_bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path, nil, Flags{})
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("err = %v, want a FieldError on %s", err, tc.field)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}

func TestWebhookEnv(t *testing.T) {
	c, err := Load("", env(map[string]string{
		"ROOMCAST_WEBHOOK_ENDPOINTS":        `[{"tenant":"acme","url":"http://127.0.0.1:9/a","secret":"acme-secret-0123456789"}]`,
		"ROOMCAST_WEBHOOK_MAX_ATTEMPTS":     "3",
		"ROOMCAST_WEBHOOK_MIN_BACKOFF":      "50ms",
		"ROOMCAST_WEBHOOK_MAX_BACKOFF":      "200ms",
		"ROOMCAST_WEBHOOK_OUTBOX_MAX_BYTES": "65536",
	}), Flags{})
	if err != nil {
		t.Fatal(err)
	}
	h := c.Webhook
	want := WebhookEndpoint{Tenant: "acme", URL: "http://127.0.0.1:9/a", Secret: "acme-secret-0123456789"}
	if len(h.Endpoints) != 1 || h.Endpoints[0] != want || h.MaxAttempts != 3 || h.MinBackoff != 50*time.Millisecond ||
		h.MaxBackoff != 200*time.Millisecond || h.OutboxMaxBytes != 65536 {
		t.Errorf("webhook = %+v", h)
	}
	_, err = Load("", env(map[string]string{"ROOMCAST_WEBHOOK_ENDPOINTS": `[{"tenant":"a","secret":"hunter2-secret"`}), Flags{})
	if err == nil || !strings.Contains(err.Error(), "ROOMCAST_WEBHOOK_ENDPOINTS") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad JSON: err = %v", err)
	}
}

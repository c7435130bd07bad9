package configs

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"regexp"
	"slices"
	"time"

	"github.com/roomcast/roomcast/egress/outbound"
)

// FieldError is a validation failure of one named field.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return "config " + e.Field + ": " + e.Reason }

var tenantRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// MinKeyLength is the shortest API key accepted.
const MinKeyLength = 16

// MinSigningKeyLength is the shortest api.signing_key accepted.
const MinSigningKeyLength = 32

// Validate checks every field and returns the first error, naming the field.
func (c *Config) Validate() error {
	checks := []func() error{c.validateListen, c.validateData, c.validateSecretKey, c.validateNATS, c.validateAPI, c.validateRooms, c.validateWebRTC, c.validateEgress, c.validateStorage, c.validateWorker, c.validateWebhook, c.validateLog, c.validateServer}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) validateListen() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return &FieldError{"listen", fmt.Sprintf("want host:port, got %q", c.Listen)}
	}
	return nil
}

func (c *Config) validateData() error {
	if c.Data == "" {
		return &FieldError{"data", "must not be empty"}
	}
	return nil
}

func (c *Config) validateNATS() error {
	if c.NATS.URL == "" {
		return nil
	}
	u, err := url.Parse(c.NATS.URL)
	if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" {
		return &FieldError{"nats.url", "want nats://host:port or tls://host:port (empty embeds NATS)"}
	}
	return nil
}

func (c *Config) validateAPI() error {
	if c.API.MaxBodyBytes < 1024 {
		return &FieldError{"api.max_body_bytes", "must be at least 1024"}
	}
	seen := map[string]bool{}
	for i, k := range c.API.Keys {
		field := fmt.Sprintf("api.keys[%d]", i)
		if len(k.Key) < MinKeyLength {
			return &FieldError{field + ".key", fmt.Sprintf("must be at least %d characters", MinKeyLength)}
		}
		if !tenantRe.MatchString(k.Tenant) {
			return &FieldError{field + ".tenant", "want lower-case letters, digits, '-' or '_' (1-63)"}
		}
		if seen[k.Key] {
			return &FieldError{field + ".key", "duplicate key"}
		}
		seen[k.Key] = true
	}
	if err := c.validateAPILimits(); err != nil {
		return err
	}
	if k := c.API.SigningKey; k != "" && len(k) < MinSigningKeyLength {
		// The reason names the length only: the key is never shown.
		return &FieldError{"api.signing_key", fmt.Sprintf("must be at least %d characters (got %d), e.g. `openssl rand -hex 32`", MinSigningKeyLength, len(k))}
	}
	return nil
}

// validateAPILimits checks the admin key, rate limits and token life.
func (c *Config) validateAPILimits() error {
	a := c.API
	switch {
	case c.Worker.RoomTransport != "" && c.Worker.RoomTransport != RoomTransportRelay && c.Worker.RoomTransport != RoomTransportWebRTC:
		return &FieldError{"worker.room_transport", fmt.Sprintf("%q: want relay or webrtc", c.Worker.RoomTransport)}
	case c.Worker.Key != "" && len(c.Worker.Key) < MinKeyLength:
		return &FieldError{"worker.key", fmt.Sprintf("must be at least %d characters", MinKeyLength)}
	case c.Worker.Key != "" && (c.Worker.Key == a.AdminKey || slices.ContainsFunc(a.Keys, func(k APIKey) bool { return k.Key == c.Worker.Key })):
		return &FieldError{"worker.key", "must differ from the admin key and every tenant key"}
	case a.AdminKey != "" && len(a.AdminKey) < MinKeyLength:
		return &FieldError{"api.admin_key", fmt.Sprintf("must be at least %d characters", MinKeyLength)}
	case slices.ContainsFunc(a.Keys, func(k APIKey) bool { return a.AdminKey != "" && k.Key == a.AdminKey }):
		return &FieldError{"api.admin_key", "must differ from every tenant key"}
	case math.IsNaN(a.RateLimit) || a.RateLimit < 0 || a.RateLimit > 1e6:
		return &FieldError{"api.rate_limit", "requests per second per key: from 0 (unlimited) to 1000000"}
	case a.RateBurst < 0 || a.RateBurst > 1e6:
		return &FieldError{"api.rate_burst", "from 0 to 1000000"}
	case a.TokenMaxTTL < time.Minute || a.TokenMaxTTL > 30*24*time.Hour:
		return &FieldError{"api.token_max_ttl", "from 1m to 720h"}
	}
	return nil
}

// Bounds of the rooms' history.
const (
	MaxHistorySeconds  = 300
	MinHistoryMaxBytes = 64 << 10
	MaxHistoryMaxBytes = 1 << 30
)

func (c *Config) validateRooms() error {
	r := c.Rooms
	switch {
	case r.MaxParticipants < 1 || r.MaxParticipants > 256:
		return &FieldError{"rooms.max_participants", "must be between 1 and 256"}
	case r.HistorySeconds < 0 || r.HistorySeconds > MaxHistorySeconds:
		return &FieldError{"rooms.history_seconds", fmt.Sprintf("must be between 0 (no history) and %d", MaxHistorySeconds)}
	case r.HistoryMaxBytes < MinHistoryMaxBytes || r.HistoryMaxBytes > MaxHistoryMaxBytes:
		return &FieldError{"rooms.history_max_bytes", fmt.Sprintf("must be between %d (64 KiB) and %d (1 GiB)", MinHistoryMaxBytes, MaxHistoryMaxBytes)}
	}
	return nil
}

func (c *Config) validateWebRTC() error {
	w := c.WebRTC
	if (w.UDPPortMin == 0) != (w.UDPPortMax == 0) || w.UDPPortMin > w.UDPPortMax {
		return &FieldError{"webrtc.udp_port_min", "set both udp_port_min and udp_port_max, with min <= max"}
	}
	for i, ip := range w.NAT1To1IPs {
		if net.ParseIP(ip) == nil {
			return &FieldError{fmt.Sprintf("webrtc.nat_1to1_ips[%d]", i), fmt.Sprintf("not an IP address: %q", ip)}
		}
	}
	return nil
}

func (c *Config) validateLog() error {
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return &FieldError{"log.level", "want debug, info, warn or error"}
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return &FieldError{"log.format", "want text or json"}
	}
	return nil
}

func (c *Config) validateStorage() error {
	st := c.Storage
	switch st.Backend {
	case "local":
	case "s3":
		if st.S3.Bucket == "" {
			return &FieldError{"storage.s3.bucket", "required with backend s3 (env ROOMCAST_S3_BUCKET)"}
		}
		if st.S3.Endpoint != "" {
			u, err := url.Parse(st.S3.Endpoint)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return &FieldError{"storage.s3.endpoint", "want http(s)://host[:port]"}
			}
			if u.User != nil {
				// It would be logged with the endpoint: credentials go in
				// their own settings, which never are.
				return &FieldError{"storage.s3.endpoint", "must not hold credentials: use access_key_id and secret_access_key"}
			}
		}
		if (st.S3.AccessKeyID == "") != (st.S3.SecretAccessKey == "") {
			return &FieldError{"storage.s3.access_key_id", "set both access_key_id and secret_access_key, or neither (AWS chain)"}
		}
	default:
		return &FieldError{"storage.backend", fmt.Sprintf("want local or s3, got %q", st.Backend)}
	}
	if st.SpoolMaxBytes < 8<<20 {
		return &FieldError{"storage.spool_max_bytes", "must be at least 8388608 (8 MiB)"}
	}
	switch {
	case st.SpoolHold < time.Second || st.SpoolHold > 7*24*time.Hour:
		return &FieldError{"storage.spool_hold", "must be between 1s and 168h"}
	case st.SpoolMaxBackoff < 100*time.Millisecond || st.SpoolMaxBackoff > 10*time.Minute:
		return &FieldError{"storage.spool_max_backoff", "must be between 100ms and 10m"}
	case st.RawPartDuration < time.Second || st.RawPartDuration > time.Hour:
		return &FieldError{"storage.raw_part_duration", "must be between 1s and 1h"}
	case st.RetentionSweep < time.Second || st.RetentionSweep > 24*time.Hour:
		return &FieldError{"storage.retention_sweep", "must be between 1s and 24h"}
	}
	if st.PresignTTL < time.Minute || st.PresignTTL > 7*24*time.Hour {
		return &FieldError{"storage.presign_ttl", "must be between 1m and 168h"}
	}
	return nil
}

func (c *Config) validateEgress() error {
	if b := c.Egress.RTMPMaxBackoff; b < time.Second || b > 10*time.Minute {
		return &FieldError{"egress.rtmp_max_backoff", "must be between 1s and 10m"}
	}
	for i, n := range c.Egress.AllowedNetworks {
		if _, err := outbound.ParseNetwork(n); err != nil {
			return &FieldError{fmt.Sprintf("egress.allowed_networks[%d]", i), err.Error()}
		}
	}
	return nil
}

var workerIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

func (c *Config) validateWorker() error {
	w := c.Worker
	switch {
	case w.ID != "" && !workerIDRe.MatchString(w.ID):
		return &FieldError{"worker.id", "want letters, digits, '-', '_' or '.' (1-64)"}
	case w.Count < 0 || w.Count > 64:
		return &FieldError{"worker.count", "must be between 0 and 64"}
	case w.Count == 0 && c.NATS.URL == "":
		return &FieldError{"worker.count", "0 needs an external NATS (nats.url): the embedded one has no other workers"}
	case w.Capacity < 0:
		return &FieldError{"worker.capacity", "must not be negative (0: 80 per CPU)"}
	case w.Costs.Passthrough <= 0 || w.Costs.Transcode <= 0 || w.Costs.Composite <= 0 || w.Costs.Rendition < 0:
		return &FieldError{"worker.costs", "every cost must be positive"}
	case w.Lease < time.Second || w.Lease > time.Minute:
		return &FieldError{"worker.lease", "must be between 1s and 1m"}
	case w.DrainTimeout < time.Second:
		return &FieldError{"worker.drain_timeout", "must be at least 1s"}
	}
	if err := validateTileCosts(w.Costs.CompositeTiles); err != nil {
		return err
	}
	if w.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(w.MetricsListen); err != nil {
			return &FieldError{"worker.metrics_listen", fmt.Sprintf("want host:port, got %q", w.MetricsListen)}
		}
	}
	if w.Server != "" {
		if u, err := url.Parse(w.Server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &FieldError{"worker.server", "want http(s)://host:port of roomcast serve"}
		}
	}
	return nil
}

func (c *Config) validateWebhook() error {
	h := c.Webhook
	if h.URL != "" {
		if err := checkHook("webhook", h.URL, h.Secret); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for i, e := range h.Endpoints {
		field := fmt.Sprintf("webhook.endpoints[%d]", i)
		if !tenantRe.MatchString(e.Tenant) {
			return &FieldError{field + ".tenant", "want lower-case letters, digits, '-' or '_' (1-63)"}
		}
		if err := checkHook(field, e.URL, e.Secret); err != nil {
			return err
		}
		if seen[e.Tenant+" "+e.URL] {
			return &FieldError{field + ".url", "listed twice for tenant " + e.Tenant}
		}
		seen[e.Tenant+" "+e.URL] = true
	}
	switch {
	case h.MaxAttempts < 1 || h.MaxAttempts > 100:
		return &FieldError{"webhook.max_attempts", "must be between 1 and 100"}
	case h.MinBackoff < 10*time.Millisecond || h.MinBackoff > h.MaxBackoff:
		return &FieldError{"webhook.min_backoff", "must be at least 10ms and at most webhook.max_backoff"}
	case h.MaxBackoff > 24*time.Hour:
		return &FieldError{"webhook.max_backoff", "must be at most 24h"}
	case h.OutboxMaxBytes < 4096:
		return &FieldError{"webhook.outbox_max_bytes", "must be at least 4096"}
	}
	return nil
}

// checkHook validates one endpoint's URL and secret under field.
func checkHook(field, raw, secret string) error {
	if raw == "" {
		return &FieldError{field + ".url", "required"}
	}
	if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &FieldError{field + ".url", "want http(s)://host/path"}
	}
	if len(secret) < 16 {
		return &FieldError{field + ".secret", "at least 16 characters, to sign the events"}
	}
	return nil
}

// validateTileCosts checks worker.costs.composite_tiles.
func validateTileCosts(m map[string]map[int]int) error {
	for layout, byTiles := range m {
		field := "worker.costs.composite_tiles." + layout
		switch layout {
		case "grid", "speaker", "presentation", "single", "custom":
		default:
			return &FieldError{field, "unknown layout (want grid, speaker, presentation, single or custom)"}
		}
		if len(byTiles) == 0 {
			return &FieldError{field, "give at least one tile count: cost"}
		}
		for n, cost := range byTiles {
			if n < 1 || n > 25 || cost <= 0 {
				return &FieldError{field, fmt.Sprintf("%d tiles: %d: want 1-25 tiles and a positive cost", n, cost)}
			}
		}
	}
	return nil
}

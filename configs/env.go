package configs

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// envVar binds one ROOMCAST_* variable to a config field.
type envVar struct {
	name string
	set  func(c *Config, v string) error
}

// envVars lists every environment override; README.md documents them.
var envVars = []envVar{
	{"ROOMCAST_LISTEN", func(c *Config, v string) error { c.Listen = v; return nil }},
	{"ROOMCAST_DATA", func(c *Config, v string) error { c.Data = v; return nil }},
	{"ROOMCAST_NATS_URL", func(c *Config, v string) error { c.NATS.URL = v; return nil }},
	{"ROOMCAST_API_KEY", setAPIKey},
	{"ROOMCAST_MAX_PARTICIPANTS", func(c *Config, v string) error { return setInt(&c.Rooms.MaxParticipants, v) }},
	{"ROOMCAST_ROOMS_HISTORY_SECONDS", func(c *Config, v string) error { return setInt(&c.Rooms.HistorySeconds, v) }},
	{"ROOMCAST_ROOMS_HISTORY_MAX_BYTES", func(c *Config, v string) error { return setInt64(&c.Rooms.HistoryMaxBytes, v) }},
	{"ROOMCAST_UDP_PORT_MIN", func(c *Config, v string) error { return setPort(&c.WebRTC.UDPPortMin, v) }},
	{"ROOMCAST_UDP_PORT_MAX", func(c *Config, v string) error { return setPort(&c.WebRTC.UDPPortMax, v) }},
	{"ROOMCAST_NAT_1TO1_IPS", func(c *Config, v string) error { c.WebRTC.NAT1To1IPs = splitList(v); return nil }},
	{"ROOMCAST_WEBRTC_LOOPBACK_ONLY", func(c *Config, v string) error { return setBool(&c.WebRTC.LoopbackOnly, v) }},
	{"ROOMCAST_RTMPS_CA_FILE", func(c *Config, v string) error { c.Egress.RTMPSCAFile = v; return nil }},
	{"ROOMCAST_RTMP_MAX_BACKOFF", func(c *Config, v string) error { return setDuration(&c.Egress.RTMPMaxBackoff, v) }},
	{"ROOMCAST_EGRESS_ALLOWED_NETWORKS", func(c *Config, v string) error { c.Egress.AllowedNetworks = splitList(v); return nil }},
	{"ROOMCAST_STORAGE_BACKEND", func(c *Config, v string) error { c.Storage.Backend = v; return nil }},
	{"ROOMCAST_STORAGE_LOCAL_PATH", func(c *Config, v string) error { c.Storage.Local.Path = v; return nil }},
	{"ROOMCAST_S3_ENDPOINT", func(c *Config, v string) error { c.Storage.S3.Endpoint = v; return nil }},
	{"ROOMCAST_S3_BUCKET", func(c *Config, v string) error { c.Storage.S3.Bucket = v; return nil }},
	{"ROOMCAST_S3_REGION", func(c *Config, v string) error { c.Storage.S3.Region = v; return nil }},
	{"ROOMCAST_S3_PATH_STYLE", func(c *Config, v string) error { return setBool(&c.Storage.S3.PathStyle, v) }},
	{"ROOMCAST_S3_CREATE_BUCKET", func(c *Config, v string) error { return setBool(&c.Storage.S3.CreateBucket, v) }},
	{"ROOMCAST_SPOOL_MAX_BYTES", func(c *Config, v string) error { return setInt64(&c.Storage.SpoolMaxBytes, v) }},
	{"ROOMCAST_SPOOL_HOLD", func(c *Config, v string) error { return setDuration(&c.Storage.SpoolHold, v) }},
	{"ROOMCAST_SPOOL_MAX_BACKOFF", func(c *Config, v string) error { return setDuration(&c.Storage.SpoolMaxBackoff, v) }},
	{"ROOMCAST_RETENTION_SWEEP", func(c *Config, v string) error { return setDuration(&c.Storage.RetentionSweep, v) }},
	{"ROOMCAST_RAW_PART_DURATION", func(c *Config, v string) error { return setDuration(&c.Storage.RawPartDuration, v) }},
	{"ROOMCAST_WORKER_ID", func(c *Config, v string) error { c.Worker.ID = v; return nil }},
	{"ROOMCAST_WORKERS", func(c *Config, v string) error { return setInt(&c.Worker.Count, v) }},
	{"ROOMCAST_WORKER_CAPACITY", func(c *Config, v string) error { return setInt(&c.Worker.Capacity, v) }},
	{"ROOMCAST_COST_PASSTHROUGH", func(c *Config, v string) error { return setInt(&c.Worker.Costs.Passthrough, v) }},
	{"ROOMCAST_COST_TRANSCODE", func(c *Config, v string) error { return setInt(&c.Worker.Costs.Transcode, v) }},
	{"ROOMCAST_COST_COMPOSITE", func(c *Config, v string) error { return setInt(&c.Worker.Costs.Composite, v) }},
	{"ROOMCAST_WORKER_LEASE", func(c *Config, v string) error { return setDuration(&c.Worker.Lease, v) }},
	{"ROOMCAST_WORKER_DRAIN_TIMEOUT", func(c *Config, v string) error { return setDuration(&c.Worker.DrainTimeout, v) }},
	{"ROOMCAST_WORKER_SERVER", func(c *Config, v string) error { c.Worker.Server = v; return nil }},
	{"ROOMCAST_WORKER_KEY", func(c *Config, v string) error { c.Worker.Key = v; return nil }},
	{"ROOMCAST_WORKER_METRICS_LISTEN", func(c *Config, v string) error { c.Worker.MetricsListen = v; return nil }},
	{"ROOMCAST_WORKER_ROOM_TRANSPORT", func(c *Config, v string) error { c.Worker.RoomTransport = v; return nil }},
	{"ROOMCAST_WEBHOOK_URL", func(c *Config, v string) error { c.Webhook.URL = v; return nil }},
	{"ROOMCAST_WEBHOOK_SECRET", func(c *Config, v string) error { c.Webhook.Secret = v; return nil }},
	{"ROOMCAST_WEBHOOK_ENDPOINTS", setWebhookEndpoints},
	{"ROOMCAST_WEBHOOK_MAX_ATTEMPTS", func(c *Config, v string) error { return setInt(&c.Webhook.MaxAttempts, v) }},
	{"ROOMCAST_WEBHOOK_MIN_BACKOFF", func(c *Config, v string) error { return setDuration(&c.Webhook.MinBackoff, v) }},
	{"ROOMCAST_WEBHOOK_MAX_BACKOFF", func(c *Config, v string) error { return setDuration(&c.Webhook.MaxBackoff, v) }},
	{"ROOMCAST_WEBHOOK_OUTBOX_MAX_BYTES", func(c *Config, v string) error { return setInt64(&c.Webhook.OutboxMaxBytes, v) }},
	{"ROOMCAST_LOG_LEVEL", func(c *Config, v string) error { c.Log.Level = v; return nil }},
	{"ROOMCAST_LOG_FORMAT", func(c *Config, v string) error { c.Log.Format = v; return nil }},
	{"ROOMCAST_SIGNING_KEY", func(c *Config, v string) error { c.API.SigningKey = v; return nil }},
	{"ROOMCAST_ADMIN_KEY", func(c *Config, v string) error { c.API.AdminKey = v; return nil }},
	{"ROOMCAST_API_RATE_LIMIT", func(c *Config, v string) error { return setFloat(&c.API.RateLimit, v) }},
	{"ROOMCAST_API_RATE_BURST", func(c *Config, v string) error { return setInt(&c.API.RateBurst, v) }},
	{"ROOMCAST_TOKEN_MAX_TTL", func(c *Config, v string) error { return setDuration(&c.API.TokenMaxTTL, v) }},
	{"ROOMCAST_SECRET_KEY", func(c *Config, v string) error { c.SecretKey = v; return nil }},
	{"ROOMCAST_SERVER_READ_HEADER_TIMEOUT", func(c *Config, v string) error { return setDuration(&c.Server.ReadHeaderTimeout, v) }},
	{"ROOMCAST_SERVER_READ_TIMEOUT", func(c *Config, v string) error { return setDuration(&c.Server.ReadTimeout, v) }},
	{"ROOMCAST_SERVER_WRITE_TIMEOUT", func(c *Config, v string) error { return setDuration(&c.Server.WriteTimeout, v) }},
	{"ROOMCAST_SERVER_STREAM_WRITE_TIMEOUT", func(c *Config, v string) error { return setDuration(&c.Server.StreamWriteTimeout, v) }},
	{"ROOMCAST_SERVER_IDLE_TIMEOUT", func(c *Config, v string) error { return setDuration(&c.Server.IdleTimeout, v) }},
	{"ROOMCAST_SERVER_MAX_CONNS_PER_IP", func(c *Config, v string) error { return setInt(&c.Server.MaxConnsPerIP, v) }},
}

func (c *Config) applyEnv(getenv func(string) string) error {
	if getenv == nil {
		return nil
	}
	for _, e := range envVars {
		v := getenv(e.name)
		if v == "" {
			continue
		}
		if err := e.set(c, v); err != nil {
			return fmt.Errorf("env %s: %w", e.name, err)
		}
	}
	return nil
}

// setAPIKey adds the key from ROOMCAST_API_KEY for the default tenant,
// or as tenant:key when it names one.
func setAPIKey(c *Config, v string) error {
	for _, k := range splitList(v) {
		tenant, key := DefaultTenant, k
		if i := strings.IndexByte(k, ':'); i > 0 {
			tenant, key = k[:i], k[i+1:]
		}
		c.API.Keys = append(c.API.Keys, APIKey{Tenant: tenant, Key: key})
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func setInt(dst *int, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("not an integer: %q", v)
	}
	*dst = n
	return nil
}

func setFloat(dst *float64, v string) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return fmt.Errorf("want a number, got %q", v)
	}
	*dst = f
	return nil
}

func setInt64(dst *int64, v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return fmt.Errorf("want an integer, got %q", v)
	}
	*dst = n
	return nil
}

func setDuration(dst *time.Duration, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("want a duration like 30s, got %q", v)
	}
	*dst = d
	return nil
}

func setPort(dst *uint16, v string) error {
	n, err := strconv.ParseUint(v, 10, 16)
	if err != nil {
		return fmt.Errorf("not a port number: %q", v)
	}
	*dst = uint16(n)
	return nil
}

func setBool(dst *bool, v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("not a boolean: %q", v)
	}
	*dst = b
	return nil
}

// setWebhookEndpoints reads a JSON list of {tenant, url, secret}; the
// error never quotes the value, which holds secrets.
func setWebhookEndpoints(c *Config, v string) error {
	var eps []WebhookEndpoint
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&eps); err != nil {
		return errors.New(`want a JSON list like [{"tenant":"acme","url":"https://…","secret":"…"}]`)
	}
	c.Webhook.Endpoints = eps
	return nil
}

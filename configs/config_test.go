package configs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestExampleFileIsTheDefaults(t *testing.T) {
	c, err := Load("roomcast.yaml", nil, Flags{})
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	c.API.Keys, want.API.Keys = nil, nil
	c.WebRTC.NAT1To1IPs, want.WebRTC.NAT1To1IPs = nil, nil
	c.Egress.AllowedNetworks, want.Egress.AllowedNetworks = nil, nil
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("example file differs from defaults:\n got %+v\nwant %+v", c, want)
	}
}

func TestLoadOrder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	yml := "listen: 127.0.0.1:9000\ndata: /from/file\nrooms:\n  max_participants: 4\nlog:\n  level: debug\n"
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	flagData := "/from/flag"
	c, err := Load(path, env(map[string]string{
		"ROOMCAST_DATA":                    "/from/env",
		"ROOMCAST_MAX_PARTICIPANTS":        "8",
		"ROOMCAST_API_KEY":                 "0123456789abcdef,acme:fedcba9876543210",
		"ROOMCAST_RTMP_MAX_BACKOFF":        "2s",
		"ROOMCAST_EGRESS_ALLOWED_NETWORKS": "127.0.0.0/8, ::1/128,",
		"ROOMCAST_ROOMS_HISTORY_SECONDS":   "0",
		"ROOMCAST_ROOMS_HISTORY_MAX_BYTES": "1048576",
	}), Flags{Data: &flagData})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9000" || c.Log.Level != "debug" {
		t.Errorf("file values not applied: %+v", c)
	}
	if c.Rooms.MaxParticipants != 8 {
		t.Errorf("env must override file: max_participants = %d", c.Rooms.MaxParticipants)
	}
	if c.Rooms.HistorySeconds != 0 || c.Rooms.HistoryMaxBytes != 1<<20 {
		t.Errorf("env ROOMCAST_ROOMS_HISTORY_*: history %d s, %d bytes", c.Rooms.HistorySeconds, c.Rooms.HistoryMaxBytes)
	}
	if c.Egress.RTMPMaxBackoff != 2*time.Second {
		t.Errorf("env ROOMCAST_RTMP_MAX_BACKOFF: rtmp_max_backoff = %v", c.Egress.RTMPMaxBackoff)
	}
	if !reflect.DeepEqual(c.Egress.AllowedNetworks, []string{"127.0.0.0/8", "::1/128"}) {
		t.Errorf("env ROOMCAST_EGRESS_ALLOWED_NETWORKS: allowed_networks = %q", c.Egress.AllowedNetworks)
	}
	if c.Data != "/from/flag" {
		t.Errorf("flag must override env: data = %q", c.Data)
	}
	want := []APIKey{{DefaultTenant, "0123456789abcdef"}, {"acme", "fedcba9876543210"}}
	if !reflect.DeepEqual(c.API.Keys, want) {
		t.Errorf("keys = %+v", c.API.Keys)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	cases := []struct {
		name  string
		yaml  string
		env   map[string]string
		field string
	}{
		{"listen", "listen: nope\n", nil, "listen"},
		{"short key", "api:\n  keys:\n    - {tenant: a, key: short}\n", nil, "api.keys[0].key"},
		{"bad tenant", "api:\n  keys:\n    - {tenant: 'A B', key: 0123456789abcdef}\n", nil, "api.keys[0].tenant"},
		{"room size", "rooms:\n  max_participants: 0\n", nil, "rooms.max_participants"},
		{"negative history", "rooms:\n  history_seconds: -1\n", nil, "rooms.history_seconds"},
		{"long history", "", map[string]string{"ROOMCAST_ROOMS_HISTORY_SECONDS": "301"}, "rooms.history_seconds"},
		{"history bytes", "rooms:\n  history_max_bytes: 0\n", nil, "rooms.history_max_bytes"},
		{"history bytes env", "", map[string]string{"ROOMCAST_ROOMS_HISTORY_MAX_BYTES": "2147483648"}, "rooms.history_max_bytes"},
		{"ports", "webrtc:\n  udp_port_min: 5000\n", nil, "webrtc.udp_port_min"},
		{"nat ip", "webrtc:\n  nat_1to1_ips: [not-an-ip]\n", nil, "webrtc.nat_1to1_ips[0]"},
		{"nats", "nats:\n  url: http://x\n", nil, "nats.url"},
		{"log", "log:\n  level: loud\n", nil, "log.level"},
		{"rtmp backoff", "egress:\n  rtmp_max_backoff: 100ms\n", nil, "egress.rtmp_max_backoff"},
		{"rtmp backoff env", "", map[string]string{"ROOMCAST_RTMP_MAX_BACKOFF": "11m"}, "egress.rtmp_max_backoff"},
		{"allowed network", "egress:\n  allowed_networks: [10.0.0.0/8, 10.1.2.3/8]\n", nil, "egress.allowed_networks[1]"},
		{"allowed network not cidr", "egress:\n  allowed_networks: [intranet]\n", nil, "egress.allowed_networks[0]"},
		{"allowed network env", "", map[string]string{"ROOMCAST_EGRESS_ALLOWED_NETWORKS": "127.0.0.0/8,::1/200"}, "egress.allowed_networks[1]"},
		{"signing key", "", map[string]string{"ROOMCAST_SIGNING_KEY": "too-short-key"}, "api.signing_key"},
		{"admin key", "", map[string]string{"ROOMCAST_ADMIN_KEY": "short"}, "api.admin_key"},
		{"admin key is a tenant key", "api:\n  keys:\n    - {tenant: a, key: 0123456789abcdef}\n  admin_key: 0123456789abcdef\n", nil, "api.admin_key"},
		{"rate limit", "", map[string]string{"ROOMCAST_API_RATE_LIMIT": "-1"}, "api.rate_limit"},
		{"rate limit nan", "", map[string]string{"ROOMCAST_API_RATE_LIMIT": "NaN"}, "api.rate_limit"},
		{"rate burst", "api:\n  rate_burst: -3\n", nil, "api.rate_burst"},
		{"token ttl", "", map[string]string{"ROOMCAST_TOKEN_MAX_TTL": "10s"}, "api.token_max_ttl"},
		{"secret key", "secret_key: not-a-key\n", nil, "secret_key"},
		{"secret key env", "", map[string]string{"ROOMCAST_SECRET_KEY": "k1:AAAA"}, "secret_key"},
		{"header timeout", "server:\n  read_header_timeout: 0s\n", nil, "server.read_header_timeout"},
		{"header after read", "server:\n  read_header_timeout: 2m\n", nil, "server.read_header_timeout"},
		{"stream timeout", "", map[string]string{"ROOMCAST_SERVER_STREAM_WRITE_TIMEOUT": "1ms"}, "server.stream_write_timeout"},
		{"conn cap", "", map[string]string{"ROOMCAST_SERVER_MAX_CONNS_PER_IP": "-1"}, "server.max_conns_per_ip"},
		{"room transport", "worker:\n  room_transport: quic\n", nil, "worker.room_transport"},
		{"room transport env", "", map[string]string{"ROOMCAST_WORKER_ROOM_TRANSPORT": "WebRTC"}, "worker.room_transport"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path, env(tc.env), Flags{})
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("err = %v, want a FieldError on %s", err, tc.field)
			}
		})
	}
}

func TestBadInputsAreClearErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("lisen: typo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, nil, Flags{}); err == nil || !strings.Contains(err.Error(), "lisen") {
		t.Errorf("unknown field: err = %v", err)
	}
	if _, err := Load("", env(map[string]string{"ROOMCAST_UDP_PORT_MIN": "x"}), Flags{}); err == nil || !strings.Contains(err.Error(), "ROOMCAST_UDP_PORT_MIN") {
		t.Errorf("bad env: err = %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml"), nil, Flags{}); err == nil {
		t.Error("missing file must fail")
	}
}

func TestSigningKeyNeverInErrors(t *testing.T) {
	const key = "secret-signing-key-31-chars-xyz"
	_, err := Load("", env(map[string]string{"ROOMCAST_SIGNING_KEY": key}), Flags{})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "api.signing_key" || strings.Contains(err.Error(), key) {
		t.Fatalf("short signing key: %v", err)
	}
	c, err := Load("", env(map[string]string{"ROOMCAST_SIGNING_KEY": key + "-and-more"}), Flags{})
	if err != nil || c.API.SigningKey != key+"-and-more" {
		t.Fatalf("good signing key: %v, %q", err, c.API.SigningKey)
	}
}

func TestS3EndpointWithCredentialsRefused(t *testing.T) {
	env := map[string]string{
		"ROOMCAST_STORAGE_BACKEND": "s3", "ROOMCAST_S3_BUCKET": "b",
		"ROOMCAST_S3_ENDPOINT": "http://key:secret-value@127.0.0.1:9000",
	}
	_, err := Load("", func(k string) string { return env[k] }, Flags{})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "storage.s3.endpoint" || strings.Contains(err.Error(), "secret-value") {
		t.Fatalf("endpoint with credentials: %v", err)
	}
}

func TestTileCostsValidation(t *testing.T) {
	for _, bad := range []map[string]map[int]int{
		{"mosaic": {2: 10}},
		{"grid": {}},
		{"grid": {0: 10}},
		{"grid": {26: 10}},
		{"grid": {4: 0}},
	} {
		c := Default()
		c.Worker.Costs.CompositeTiles = bad
		var fe *FieldError
		if err := c.Validate(); !errors.As(err, &fe) || !strings.HasPrefix(fe.Field, "worker.costs.composite_tiles.") {
			t.Errorf("%v: %v, want an error naming worker.costs.composite_tiles.<layout>", bad, err)
		}
	}
	c := Default()
	c.Worker.Costs.CompositeTiles = map[string]map[int]int{"grid": {2: 30, 10: 60}}
	if err := c.Validate(); err != nil {
		t.Errorf("good tile costs: %v", err)
	}
}

// TestConfigFileFromEnv: ROOMCAST_CONFIG names the file when no
// --config does; --config wins over it.
func TestConfigFileFromEnv(t *testing.T) {
	dir := t.TempDir()
	fromEnv, fromFlag := filepath.Join(dir, "env.yaml"), filepath.Join(dir, "flag.yaml")
	for path, listen := range map[string]string{fromEnv: "127.0.0.1:9001", fromFlag: "127.0.0.1:9002"} {
		if err := os.WriteFile(path, []byte("listen: "+listen+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	getenv := env(map[string]string{"ROOMCAST_CONFIG": fromEnv})
	if c, err := Load("", getenv, Flags{}); err != nil || c.Listen != "127.0.0.1:9001" {
		t.Errorf("ROOMCAST_CONFIG: listen %q, %v", c.Listen, err)
	}
	if c, err := Load(fromFlag, getenv, Flags{}); err != nil || c.Listen != "127.0.0.1:9002" {
		t.Errorf("--config over ROOMCAST_CONFIG: listen %q, %v", c.Listen, err)
	}
	if _, err := Load("", env(map[string]string{"ROOMCAST_CONFIG": filepath.Join(dir, "missing.yaml")}), Flags{}); err == nil {
		t.Error("a missing ROOMCAST_CONFIG file loaded")
	}
}

func TestAllowedNetworksFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	yml := "egress:\n  allowed_networks:\n    - 10.20.0.0/16\n    - fd00::/8\n"
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, nil, Flags{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Egress.AllowedNetworks, []string{"10.20.0.0/16", "fd00::/8"}) {
		t.Errorf("allowed_networks = %q", c.Egress.AllowedNetworks)
	}
	_, err = Load(path, env(map[string]string{"ROOMCAST_EGRESS_ALLOWED_NETWORKS": "10.0.0.0/33"}), Flags{})
	if err == nil || !strings.Contains(err.Error(), "egress.allowed_networks[0]") || !strings.Contains(err.Error(), "10.0.0.0/33") {
		t.Errorf("bad env prefix: %v", err)
	}
}

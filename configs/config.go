// Package configs loads roomcast's configuration: defaults, then a YAML file,
// then ROOMCAST_* environment variables, then command-line flags, and
// validates the result, naming the field at fault.
package configs

import (
	"path/filepath"
	"time"
)

// Config is the whole roomcast configuration. Field names in YAML are the
// snake_case names in the tags; configs/roomcast.yaml documents each one.
type Config struct {
	Listen string `yaml:"listen"`
	Data   string `yaml:"data"`
	// SecretKey is the keyring that seals secrets at rest in NATS (such
	// as the RTMP targets, stream keys included, in job records), in
	// seal.ParseKeys form: "id:base64key[,id:base64key…]", 32-byte keys,
	// the first sealing and all opening (rotation). Empty: `serve`
	// generates one once into data/secret.key; a `roomcast worker` needs
	// the serve nodes' value. Never logged. See LoadKeyring.
	SecretKey string    `yaml:"secret_key"`
	NATS      NATS      `yaml:"nats"`
	API       API       `yaml:"api"`
	Rooms     Rooms     `yaml:"rooms"`
	WebRTC    WebRTC    `yaml:"webrtc"`
	Egress    Egress    `yaml:"egress"`
	Storage   Storage   `yaml:"storage"`
	Worker    Worker    `yaml:"worker"`
	Webhook   Webhook   `yaml:"webhook"`
	Log       Log       `yaml:"log"`
	Server    ServerCfg `yaml:"server"`
}

// NATS selects the job bus. An empty URL embeds a NATS server.
type NATS struct {
	URL string `yaml:"url"`
}

// API holds the HTTP API settings.
type API struct {
	Keys         []APIKey `yaml:"keys"`
	MaxBodyBytes int64    `yaml:"max_body_bytes"`
	// SigningKey signs the links to recordings that work without an API
	// key; empty: a key generated once into data/signing.key. Nodes that
	// serve the same links share it. Never logged.
	SigningKey string `yaml:"signing_key"`
	// AdminKey manages tenants through /v1/tenants; it is not a tenant
	// key. Empty: no tenant administration. Never logged.
	AdminKey string `yaml:"admin_key"`
	// RateLimit is each key's sustained requests per second on the /v1
	// API, with bursts of RateBurst; 0 is unlimited.
	RateLimit float64 `yaml:"rate_limit"`
	RateBurst int     `yaml:"rate_burst"`
	// TokenMaxTTL caps a participant join token's life.
	TokenMaxTTL time.Duration `yaml:"token_max_ttl"`
}

// APIKey is one bearer key and the tenant it acts for.
type APIKey struct {
	Tenant string `yaml:"tenant"`
	Key    string `yaml:"key"`
}

// Rooms holds the SFU settings.
type Rooms struct {
	MaxParticipants int `yaml:"max_participants"`
	// HistorySeconds is how many seconds of each published track's RTP
	// the room keeps (video back to the keyframe before them), served by
	// GET /v1/rooms/{room}/history so that a worker taking a recording
	// over fills the dead recorder's gap; 0 keeps none.
	HistorySeconds int `yaml:"history_seconds"`
	// HistoryMaxBytes bounds each track's history; the oldest packets go
	// first.
	HistoryMaxBytes int64 `yaml:"history_max_bytes"`
}

// WebRTC holds the ICE network settings.
type WebRTC struct {
	UDPPortMin   uint16   `yaml:"udp_port_min"`
	UDPPortMax   uint16   `yaml:"udp_port_max"`
	NAT1To1IPs   []string `yaml:"nat_1to1_ips"`
	LoopbackOnly bool     `yaml:"loopback_only"`
}

// Egress holds the settings of the in-process worker's outputs.
type Egress struct {
	// RTMPSCAFile is a PEM file of extra CA certificates trusted for
	// rtmps:// targets, on top of the system roots.
	RTMPSCAFile string `yaml:"rtmps_ca_file"`
	// RTMPMaxBackoff caps the pause between a down RTMP target's attempts
	// (1 s doubling up to it).
	RTMPMaxBackoff time.Duration `yaml:"rtmp_max_backoff"`
	// AllowedNetworks lists CIDR prefixes that RTMP targets and webhook
	// endpoints may reach although the outbound policy refuses them by
	// default (loopback, link-local, private, CGNAT, …; see
	// egress/outbound), e.g. ["10.20.0.0/16"] for an RTMP server on the
	// operator's own network.
	AllowedNetworks []string `yaml:"allowed_networks"`
}

// Storage selects where recordings are archived.
type Storage struct {
	// Backend is "local" (under data/recordings, or Local.Path) or "s3".
	Backend string       `yaml:"backend"`
	Local   LocalStorage `yaml:"local"`
	S3      S3           `yaml:"s3"`
	// SpoolMaxBytes bounds the local upload spool (data/spool); the disk's
	// free space bounds it too. When it is full, raw track parts waiting
	// in it are evicted first, then new segments are dropped (counted).
	SpoolMaxBytes int64 `yaml:"spool_max_bytes"`
	// SpoolHold is how long the spool should hold the running recordings
	// through a storage outage: with less room than that left (at their
	// current rate), or less than 10 %, new recordings wait and running
	// ones report degraded.
	SpoolHold time.Duration `yaml:"spool_hold"`
	// SpoolMaxBackoff is the longest pause between retries of a failing
	// upload.
	SpoolMaxBackoff time.Duration `yaml:"spool_max_backoff"`
	// RetentionSweep is how often recordings past their tenant's
	// retention days are deleted.
	RetentionSweep time.Duration `yaml:"retention_sweep"`
	// RawPartDuration is the length of each raw track part.
	RawPartDuration time.Duration `yaml:"raw_part_duration"`
	// PresignTTL is how long playlist segment URLs stay valid.
	PresignTTL time.Duration `yaml:"presign_ttl"`
}

// LocalStorage is the local backend's directory.
type LocalStorage struct {
	// Path holds the recordings; empty: data/recordings. A fleet (API
	// server and `roomcast worker`s on several machines) sets it to one
	// directory every node mounts, e.g. over NFS: a worker refuses the
	// local backend without it, since the API could not see what it
	// records.
	Path string `yaml:"path"`
}

// RecordingsDir is where the local backend keeps recordings.
func (c *Config) RecordingsDir() string {
	if c.Storage.Local.Path != "" {
		return c.Storage.Local.Path
	}
	return filepath.Join(c.Data, "recordings")
}

// S3 is an S3-compatible bucket. Empty credentials use the standard AWS
// chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, shared files, roles).
type S3 struct {
	Endpoint        string `yaml:"endpoint"`
	Region          string `yaml:"region"`
	Bucket          string `yaml:"bucket"`
	PathStyle       bool   `yaml:"path_style"`
	CreateBucket    bool   `yaml:"create_bucket"`
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey string `yaml:"secret_access_key"`
}

// Worker configures the egress workers (in `serve` and `roomcast worker`).
type Worker struct {
	// ID names the worker; empty: hostname-pid.
	ID string `yaml:"id"`
	// Count is how many workers `serve` runs in process (0: none, only
	// with an external NATS).
	Count int `yaml:"count"`
	// Capacity is the job cost a worker runs at once, in percent of one
	// core; 0: 80 per CPU.
	Capacity int `yaml:"capacity"`
	// Costs of each job kind, in the same unit (measured by `make bench`).
	Costs Costs `yaml:"costs"`
	// Lease is how long a silent worker keeps its jobs.
	Lease time.Duration `yaml:"lease"`
	// DrainTimeout bounds the handover of a stopping worker's jobs.
	DrainTimeout time.Duration `yaml:"drain_timeout"`
	// Server is the room server a `roomcast worker` subscribes to rooms
	// on (the URL of `serve`), with Key.
	Server string `yaml:"server"`
	// Key is the workers' service key: serve nodes accept it for any
	// tenant's rooms (the request names the tenant), and standalone
	// workers send it. Empty: a worker sends the first api key, which
	// reaches that key's tenant's rooms only. Never logged.
	Key string `yaml:"key"`
	// MetricsListen is where a `roomcast worker` serves /metrics and
	// /healthz; empty: nowhere.
	MetricsListen string `yaml:"metrics_listen"`
	// RoomTransport is how a `roomcast worker` reads a room from Server:
	// RoomTransportRelay (the default when empty) or RoomTransportWebRTC.
	RoomTransport string `yaml:"room_transport"`
}

// Worker room transports.
const (
	// RoomTransportRelay reads a room over one TCP (or TLS) connection
	// per job to the server's relay endpoint: no SRTP, DTLS, ICE or
	// per-packet goroutine hand-offs. A server without the endpoint (an
	// older serve) is read over WebRTC.
	RoomTransportRelay = "relay"
	// RoomTransportWebRTC reads a room as any subscriber does, over WebRTC.
	RoomTransportWebRTC = "webrtc"
)

// Costs are the CPU costs of the job kinds.
type Costs struct {
	// Passthrough no longer prices jobs: a job is priced by its spec,
	// and no spec can promise that its camera is H.264 (single and
	// speaker-alone jobs take Transcode). Kept so old configs load.
	Passthrough int `yaml:"passthrough"`
	// Transcode prices one participant's video shown alone.
	Transcode int `yaml:"transcode"`
	// Composite prices a composite layout CompositeTiles has no figures for.
	Composite int `yaml:"composite"`
	// CompositeTiles prices composites by layout and tile count at
	// 1280x720 30 fps (layout → tiles → cost); empty: the figures `make
	// bench` measured, built in.
	CompositeTiles map[string]map[int]int `yaml:"composite_tiles"`
	// Rendition prices each extra canvas; 0: the built-in figure.
	Rendition int `yaml:"rendition"`
}

// Webhook is where job events are POSTed: the global URL receives every
// tenant's events, each of Endpoints one tenant's; empty: none.
type Webhook struct {
	URL       string            `yaml:"url"`
	Secret    string            `yaml:"secret"`
	Endpoints []WebhookEndpoint `yaml:"endpoints"`
	// MaxAttempts is how many times an event is tried before it is
	// parked (GET /v1/webhooks/parked).
	MaxAttempts int `yaml:"max_attempts"`
	// MinBackoff doubles up to MaxBackoff between the tries.
	MinBackoff time.Duration `yaml:"min_backoff"`
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// OutboxMaxBytes bounds the events kept on disk (data/outbox) while
	// NATS is unreachable; past it, new events are lost (logged).
	OutboxMaxBytes int64 `yaml:"outbox_max_bytes"`
}

// WebhookEndpoint is one tenant's own endpoint.
type WebhookEndpoint struct {
	Tenant string `yaml:"tenant" json:"tenant"`
	URL    string `yaml:"url" json:"url"`
	Secret string `yaml:"secret" json:"secret"`
}

// Log selects the log level and format.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// ServerCfg holds HTTP server timeouts and limits (of `serve`'s API and
// of a `roomcast worker`'s metrics listener).
type ServerCfg struct {
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// WriteTimeout bounds writing a response, except downloads.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// StreamWriteTimeout bounds each write of a download (MP4, recording
	// files); the deadline moves on as the download progresses.
	StreamWriteTimeout time.Duration `yaml:"stream_write_timeout"`
	// IdleTimeout bounds the wait for the next request of a keep-alive
	// connection.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxConnsPerIP caps the open connections of one client address;
	// more are closed at once. 0: no cap.
	MaxConnsPerIP int `yaml:"max_conns_per_ip"`
}

// DefaultTenant is the tenant of keys that name none.
const DefaultTenant = "default"

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		Listen: "127.0.0.1:8080",
		Data:   "./data",
		API:    API{MaxBodyBytes: 4 << 20, RateLimit: 200, RateBurst: 1000, TokenMaxTTL: 24 * time.Hour}, // a job's branding pictures: two PNGs of 1 MB, base64
		Rooms:  Rooms{MaxParticipants: 16, HistorySeconds: 20, HistoryMaxBytes: 16 << 20},
		Egress: Egress{RTMPMaxBackoff: 30 * time.Second},
		Storage: Storage{
			Backend: "local", SpoolMaxBytes: 4 << 30, PresignTTL: 6 * time.Hour,
			SpoolHold: 30 * time.Minute, SpoolMaxBackoff: 30 * time.Second, RawPartDuration: time.Minute, RetentionSweep: time.Hour,
		},
		Worker: Worker{
			Count: 1, Costs: Costs{Passthrough: 10, Transcode: 45, Composite: 50},
			Lease: 6 * time.Second, DrainTimeout: 30 * time.Second, RoomTransport: RoomTransportRelay,
		},
		Webhook: Webhook{
			MaxAttempts: 10, MinBackoff: 10 * time.Second, MaxBackoff: 15 * time.Minute,
			OutboxMaxBytes: 64 << 20,
		},
		Log: Log{Level: "info", Format: "text"},
		Server: ServerCfg{
			ShutdownTimeout: 10 * time.Second, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
			WriteTimeout: time.Minute, StreamWriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxConnsPerIP: 64,
		},
	}
}

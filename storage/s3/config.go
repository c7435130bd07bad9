package s3

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config selects an S3-compatible bucket. Endpoint and PathStyle make it
// work with MinIO, Cloudflare R2, Wasabi and other S3 clones.
type Config struct {
	Endpoint  string // e.g. http://127.0.0.1:9000; empty for AWS
	Region    string // defaults to us-east-1 (R2 accepts "auto")
	Bucket    string
	PathStyle bool // http://host/bucket/key instead of http://bucket.host/key

	// AccessKey and SecretKey are optional: when both are empty the
	// standard AWS chain is used (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
	// shared config, instance roles).
	AccessKey string
	SecretKey string

	CreateBucket bool // create the bucket on Open when it is missing
	// AllowUnreachable makes Open succeed when the bucket check gets no
	// answer (the service is down): uploads then retry until it is back.
	// A missing or forbidden bucket still fails Open.
	AllowUnreachable bool

	// PartSize is the multipart part size and the single-request limit;
	// defaults to 16 MiB, at least 5 MiB.
	PartSize int64
	// ResponseTimeout bounds the wait for each response's headers;
	// defaults to one minute.
	ResponseTimeout time.Duration
}

const (
	defaultRegion   = "us-east-1"
	defaultPartSize = 16 << 20
	minPartSize     = 5 << 20
	maxParts        = 10000
)

// ErrConfig is returned for an incomplete or inconsistent Config.
var ErrConfig = errors.New("s3: invalid config")

// Validate names the first field that is wrong.
func (c Config) Validate() error {
	switch {
	case c.Bucket == "":
		return fmt.Errorf("%w: Bucket is empty", ErrConfig)
	case (c.AccessKey == "") != (c.SecretKey == ""):
		return fmt.Errorf("%w: AccessKey and SecretKey must be set together", ErrConfig)
	case c.PartSize != 0 && c.PartSize < minPartSize:
		return fmt.Errorf("%w: PartSize %d is below 5 MiB", ErrConfig, c.PartSize)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Region == "" {
		c.Region = defaultRegion
	}
	if c.PartSize == 0 {
		c.PartSize = defaultPartSize
	}
	if c.ResponseTimeout == 0 {
		c.ResponseTimeout = time.Minute
	}
	return c
}

// LogValue keeps the secret out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("endpoint", c.Endpoint),
		slog.String("region", c.Region),
		slog.String("bucket", c.Bucket),
		slog.Bool("path_style", c.PathStyle),
		slog.Bool("static_credentials", c.AccessKey != ""),
	)
}

// String keeps the secret out of %v and %+v.
func (c Config) String() string { return c.LogValue().String() }

// GoString keeps the secret out of %#v.
func (c Config) GoString() string { return "s3.Config" + c.String() }

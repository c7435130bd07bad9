// Package s3 implements storage.Store on an S3-compatible bucket with
// aws-sdk-go-v2.
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/roomcast/roomcast/storage"
)

// Store is a storage.Store on one bucket.
type Store struct {
	cfg       Config
	client    *s3.Client
	presign   *s3.PresignClient
	transport *http.Transport
	log       *slog.Logger
	closeOnce sync.Once
}

var _ storage.Store = (*Store)(nil)

// Open builds the client and checks the bucket, creating it when
// cfg.CreateBucket is set. A missing or forbidden bucket is an ErrBucket.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{cfg: cfg, log: log.With("store", "s3", "bucket", cfg.Bucket)}
	if err := s.buildClient(ctx); err != nil {
		return nil, err
	}
	if err := s.ensureBucket(ctx); err != nil {
		if cfg.AllowUnreachable && !errors.Is(err, ErrBucket) {
			s.log.Warn("bucket not checked: the service does not answer; uploads will retry", "err", err)
			return s, nil
		}
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) buildClient(ctx context.Context) error {
	opts := []func(*config.LoadOptions) error{config.WithRegion(s.cfg.Region)}
	if s.cfg.AccessKey != "" {
		creds := credentials.NewStaticCredentialsProvider(s.cfg.AccessKey, s.cfg.SecretKey, "")
		opts = append(opts, config.WithCredentialsProvider(creds))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fmt.Errorf("s3 %s: load aws config: %w", s.cfg.Bucket, err)
	}
	s.transport = transportOf(awsCfg.HTTPClient)
	s.transport.ResponseHeaderTimeout = s.cfg.ResponseTimeout
	awsCfg.HTTPClient = &http.Client{Transport: s.transport}
	s.client = s3.NewFromConfig(awsCfg, s.clientOptions)
	s.presign = s3.NewPresignClient(s.client)
	return nil
}

// transportOf takes the transport that the config loader prepared (with
// AWS_CA_BUNDLE applied) into one the store owns, so that Close can drop
// its idle connections.
func transportOf(c aws.HTTPClient) *http.Transport {
	if b, ok := c.(*awshttp.BuildableClient); ok {
		return b.GetTransport()
	}
	return http.DefaultTransport.(*http.Transport).Clone()
}

func (s *Store) clientOptions(o *s3.Options) {
	if s.cfg.Endpoint != "" {
		o.BaseEndpoint = aws.String(s.cfg.Endpoint)
	}
	o.UsePathStyle = s.cfg.PathStyle
	// Many S3 clones reject the newer default checksum headers.
	o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
}

// Close drops idle connections. It is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.transport != nil {
			s.transport.CloseIdleConnections()
		}
	})
	return nil
}

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.cfg.Bucket }

func (s *Store) input(key string) (*string, *string) {
	return aws.String(s.cfg.Bucket), aws.String(key)
}

// Get opens the object for reading.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := storage.ValidKey(key); err != nil {
		return nil, err
	}
	b, k := s.input(key)
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: k})
	if err != nil {
		return nil, s.wrap("get", key, err)
	}
	return out.Body, nil
}

// Stat describes the object.
func (s *Store) Stat(ctx context.Context, key string) (storage.Object, error) {
	if err := storage.ValidKey(key); err != nil {
		return storage.Object{}, err
	}
	b, k := s.input(key)
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: k})
	if err != nil {
		return storage.Object{}, s.wrap("stat", key, err)
	}
	return storage.Object{
		Key:      key,
		Size:     aws.ToInt64(out.ContentLength),
		Modified: aws.ToTime(out.LastModified),
	}, nil
}

// Delete removes the object; S3 deletes are idempotent.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := storage.ValidKey(key); err != nil {
		return err
	}
	b, k := s.input(key)
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: k}); err != nil {
		return s.wrap("delete", key, err)
	}
	return nil
}

// maxPresignTTL is the SigV4 limit.
const maxPresignTTL = 7 * 24 * time.Hour

// PresignGet returns a SigV4 presigned GET URL valid for ttl.
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := storage.ValidKey(key); err != nil {
		return "", err
	}
	if ttl <= 0 || ttl > maxPresignTTL {
		return "", fmt.Errorf("s3 presign %q: ttl %v outside (0, 7d]", key, ttl)
	}
	b, k := s.input(key)
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: k}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", s.wrap("presign", key, err)
	}
	return req.URL, nil
}

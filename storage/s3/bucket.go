package s3

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ensureBucket checks the bucket with HeadBucket and creates it when it is
// missing and cfg.CreateBucket is set.
func (s *Store) ensureBucket(ctx context.Context) error {
	_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.cfg.Bucket})
	switch {
	case err == nil:
		return nil
	case isForbidden(err):
		return fmt.Errorf("%w: access to bucket %q denied: %w", ErrBucket, s.cfg.Bucket, err)
	case !isMissingBucket(err):
		return fmt.Errorf("s3: check bucket %q: %w", s.cfg.Bucket, err)
	case !s.cfg.CreateBucket:
		return fmt.Errorf("%w: bucket %q does not exist", ErrBucket, s.cfg.Bucket)
	}
	return s.createBucket(ctx)
}

func isMissingBucket(err error) bool {
	switch errorCode(err) {
	case "NotFound", "NoSuchBucket":
		return true
	}
	return httpStatus(err) == http.StatusNotFound
}

func (s *Store) createBucket(ctx context.Context) error {
	in := &s3.CreateBucketInput{Bucket: &s.cfg.Bucket}
	if s.cfg.Region != defaultRegion {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(s.cfg.Region),
		}
	}
	_, err := s.client.CreateBucket(ctx, in)
	switch {
	case err == nil, errorCode(err) == "BucketAlreadyOwnedByYou":
		s.log.Info("created bucket")
		return nil
	case isForbidden(err):
		return fmt.Errorf("%w: create bucket %q denied: %w", ErrBucket, s.cfg.Bucket, err)
	}
	return fmt.Errorf("%w: create bucket %q: %w", ErrBucket, s.cfg.Bucket, err)
}

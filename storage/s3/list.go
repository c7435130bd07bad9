package s3

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/roomcast/roomcast/storage"
)

// List pages through ListObjectsV2; S3 returns keys in UTF-8 binary order.
func (s *Store) List(ctx context.Context, prefix, after string, limit int) ([]storage.Object, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.cfg.Bucket), Prefix: aws.String(prefix)}
	if after != "" {
		in.StartAfter = aws.String(after)
	}
	var objs []storage.Object
	for limit <= 0 || len(objs) < limit {
		if limit > 0 {
			in.MaxKeys = aws.Int32(int32(min(limit-len(objs), 1000)))
		}
		page, err := s.client.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, s.wrapList(prefix, err)
		}
		objs = appendObjects(objs, page)
		if !aws.ToBool(page.IsTruncated) || page.NextContinuationToken == nil {
			break
		}
		in.ContinuationToken = page.NextContinuationToken
	}
	if limit > 0 && len(objs) > limit {
		objs = objs[:limit]
	}
	return objs, nil
}

func appendObjects(objs []storage.Object, page *s3.ListObjectsV2Output) []storage.Object {
	for _, o := range page.Contents {
		objs = append(objs, storage.Object{
			Key:      aws.ToString(o.Key),
			Size:     aws.ToInt64(o.Size),
			Modified: aws.ToTime(o.LastModified),
		})
	}
	return objs
}

func (s *Store) wrapList(prefix string, err error) error {
	if isNoSuchBucket(err) || isForbidden(err) {
		return fmt.Errorf("s3 list %s/%s*: %w: %w", s.cfg.Bucket, prefix, storage.ErrAccess, err)
	}
	return fmt.Errorf("s3 list %s/%s*: %w", s.cfg.Bucket, prefix, err)
}

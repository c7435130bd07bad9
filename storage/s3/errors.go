package s3

import (
	"errors"
	"fmt"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/roomcast/roomcast/storage"
)

// ErrBucket is returned by Open when the bucket is missing (and not to be
// created) or not accessible with the credentials given.
var ErrBucket = fmt.Errorf("s3: bucket unusable: %w", storage.ErrAccess)

// wrap adds the operation and key and maps a missing object to
// storage.ErrNotFound. SDK errors hold no secrets: requests are signed,
// and the secret key is never part of a request.
func (s *Store) wrap(op, key string, err error) error {
	if isNoSuchKey(err) {
		return fmt.Errorf("s3 %s %s/%s: %w", op, s.cfg.Bucket, key, storage.ErrNotFound)
	}
	if isNoSuchBucket(err) {
		return fmt.Errorf("s3 %s %s/%s: %w: bucket %q does not exist", op, s.cfg.Bucket, key, ErrBucket, s.cfg.Bucket)
	}
	if isForbidden(err) {
		return fmt.Errorf("s3 %s %s/%s: %w: %w", op, s.cfg.Bucket, key, storage.ErrAccess, err)
	}
	return fmt.Errorf("s3 %s %s/%s: %w", op, s.cfg.Bucket, key, err)
}

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func isNoSuchBucket(err error) bool { return errorCode(err) == "NoSuchBucket" }

func isNoSuchKey(err error) bool {
	switch errorCode(err) {
	case "NoSuchKey", "NotFound":
		return true
	case "NoSuchBucket":
		return false
	}
	return httpStatus(err) == http.StatusNotFound
}

func isForbidden(err error) bool {
	switch errorCode(err) {
	case "AccessDenied", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch":
		return true
	}
	s := httpStatus(err)
	return s == http.StatusForbidden || s == http.StatusUnauthorized
}

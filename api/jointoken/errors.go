package jointoken

import "errors"

// Error is why Verify refused a token. Its text is a stable reason, fit
// for a JSON 401 answer; Verify wraps it with detail for logs, and no
// error of this package holds the token or a secret.
type Error string

func (e Error) Error() string { return string(e) }

// The reasons Verify refuses a token.
const (
	ErrMalformed     Error = "malformed_token"   // not a join token of this server
	ErrSignature     Error = "invalid_signature" // signed with another secret, or altered
	ErrExpired       Error = "token_expired"
	ErrNotYetValid   Error = "token_not_yet_valid" // issued in the future (clock skew)
	ErrWrongRoom     Error = "wrong_room"
	ErrUnknownTenant Error = "unknown_tenant" // no such tenant, or deleted
)

// Reason returns the stable reason of an error of Verify, or "" when err
// is not a refusal of the token (a server fault such as ErrShortSecret).
func Reason(err error) string {
	var e Error
	if errors.As(err, &e) {
		return string(e)
	}
	return ""
}

package seal

import "errors"

// Errors of keyrings and sealed values. None of them carries a key or a
// plaintext.
var (
	ErrNoKeys      = errors.New("no keys")
	ErrKeySize     = errors.New("wrong key length")
	ErrKeyID       = errors.New("invalid key id")
	ErrDuplicateID = errors.New("duplicate key id")
	ErrKeyEncoding = errors.New("key is not valid base64")
	// ErrMalformed is a value that is not in the sealed text form.
	ErrMalformed = errors.New("malformed sealed value")
	// ErrUnknownKey is a value sealed with a key the keyring lacks.
	ErrUnknownKey = errors.New("sealed with an unknown key")
	// ErrTampered is a value that fails authentication: changed, sealed
	// for another record or field (aad), or under another key of the
	// same id.
	ErrTampered = errors.New("sealed value fails authentication")
)

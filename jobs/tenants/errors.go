package tenants

import (
	"errors"
	"fmt"
)

// Errors of the Store.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	// ErrInvalid is a tenant or key the Store refuses; the error is an
	// *InvalidError naming the field.
	ErrInvalid = errors.New("invalid")
)

// InvalidError says which field of a tenant is wrong and why.
type InvalidError struct {
	Field  string // JSON path, such as "settings.webhook.url"
	Reason string
}

func (e *InvalidError) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason) }

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *InvalidError) Unwrap() error { return ErrInvalid }

func invalid(field, reason string) error { return &InvalidError{Field: field, Reason: reason} }

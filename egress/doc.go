// Package egress runs a job's outputs: each output is a Run(ctx) error
// under a supervisor that alone owns retry, backoff and state, so one
// output's failure touches nothing else.
//
// The request and status types a job is described by (Spec, Info and
// their parts) are defined in api/types, without cgo; the aliases in
// types.go keep their egress names.
package egress

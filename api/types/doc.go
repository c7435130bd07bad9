// Package types is the wire vocabulary of the egress API: the requests a
// client sends (Spec and everything in it, Update), the status it gets
// back (Info and its parts), the states and statuses they carry, the
// errors the API maps to HTTP statuses, and the checks of a request
// (Spec.Validate and friends) with the *FieldError naming the field at
// fault.
//
// It is shared by the HTTP API (api), the job bus (jobs, whose records
// hold a Spec and an Info), the workers (egress, which aliases these
// types) and Go clients of the API. It is cgo-free on purpose: it imports
// only the standard library and pure-Go packages (the compositor's layout
// geometry, pipeline/composite/tile, and its look, pipeline/composite/style),
// never the pipeline, which links FFmpeg. So a client, or the API alone,
// builds with CGO_ENABLED=0; api's TestNoCgo keeps it that way.
//
// Changing a type here changes the wire format: the JSON of a request,
// of a job's status, and of the records stored on the job bus.
package types

// Package client is a typed Go client of roomcast's HTTP API: rooms and
// join tokens, egress jobs, recordings, workers, parked webhook events,
// and (with an admin key) tenants and their API keys.
//
//	c, err := client.New("http://127.0.0.1:8080", client.WithKey(key))
//	room, err := c.CreateRoom(ctx, "demo")
//
// Every method takes a context first. An answer of 4xx or 5xx is an
// *APIError carrying the API's error body; a failed transport is
// returned wrapped. The key is sent only in the Authorization header and
// never appears in an error.
//
// The package imports the standard library and api/types only, so it
// builds with CGO_ENABLED=0.
package client

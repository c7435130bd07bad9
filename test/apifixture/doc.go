// Package apifixture serves the real HTTP API (api.Server) in an
// httptest server for tests of its clients: a real room manager, a real
// recordings catalog on a local store (with real H.264 + AAC recordings
// on demand), an Egress that keeps jobs in memory and runs none,
// workers and parked webhook events given by the test, and on request a
// real tenant store on an embedded NATS server (tenants, their API keys
// and join tokens).
package apifixture

// Package webhook carries egress job transitions on a JetStream stream and
// delivers them to HTTP endpoints, at least once and in order per job
// within each endpoint.
//
// # Producing
//
// EnsureStream creates the stream EGRESS_EVENTS (subjects
// "roomcast.events.>" and "roomcast.retry.>", file storage, limits
// retention, 7 day max age, 2 minute duplicate window). NewEvent builds an
// Event with a fresh ID ("EV_" + random) and time; Publish stores it on
// "roomcast.events.<tenant>.<egress_id>" with the event ID as the
// JetStream message ID, so publishing the same event twice within 2
// minutes stores it once. A process that makes events writes each to an
// Outbox first (one fsynced file per event under its data directory,
// bounded in bytes): Outbox.Run publishes them oldest first, retrying
// while NATS is unreachable, so they reach the stream in order, with
// their own IDs, once it is back, even across a restart of the process.
//
// # Delivering
//
// A Dispatcher runs one queue per Endpoint: the global one (Config.URL,
// every tenant's events, durable consumer "webhooks") and each tenant's
// (Config.Endpoints, a small interface so the list can later come from a
// settings store; consumer "webhooks_<tenant>_<url hash>", filtered on
// the tenant's subjects). Each consumer has MaxAckPending 1, so an
// endpoint receives its events in stream order, and an endpoint that
// fails holds only its own queue. A failed attempt (network error,
// timeout, or a status outside 2xx; redirects are not followed) is
// retried with exponential backoff from MinBackoff doubling to
// MaxBackoff; after MaxAttempts failures the event is parked (Parking,
// KV bucket roomcast_webhook_parked) and acked, and the queue goes on:
// the same job's later events are delivered after it. Parking.Retry sends
// a parked event back on "roomcast.retry.<endpoint name>", which only
// that endpoint's queue reads, behind the events waiting there; delivered,
// it leaves the parking, refused MaxAttempts more times it is parked
// again. A message that is not a valid Event is logged and terminated. An
// event may arrive more than once (a lost ack, a restart mid-delivery, an
// outbox replay): receivers dedup on the event ID.
//
// # Request
//
// Each attempt is
//
//	POST <URL>
//	Content-Type: application/json
//	Roomcast-Event-Id: <event id>
//	Roomcast-Event-Type: <event type>
//	Roomcast-Timestamp: <unix seconds when this attempt was signed>
//	Roomcast-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
//	{"id":"EV_…","type":"egress_ended","time":"…","tenant":"…","egress_id":"…","data":{…}}
//
// The body is identical on every attempt of one event; the timestamp and
// signature are made per attempt.
//
// # Verifying
//
// A receiver takes the raw request body, before any JSON parsing, and:
//
//  1. reads Roomcast-Timestamp and rejects it unless it is within a
//     tolerance (for example 5 minutes) of its own clock, against replays;
//  2. computes hex(HMAC-SHA256(secret, timestamp + "." + body)), where
//     timestamp is the header's exact text and "." is one byte;
//  3. compares it in constant time with the value after "v1=" in
//     Roomcast-Signature (the header may list several comma-separated
//     "v1=" entries, such as during a secret rotation; any match passes);
//  4. dedups on Roomcast-Event-Id, then answers 2xx quickly.
//
// Verify does steps 1 to 3 for Go receivers.
package webhook

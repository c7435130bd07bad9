// Package webhook carries egress job transitions on a JetStream stream and
// delivers them to one configured HTTP endpoint, at least once and in
// order per job.
//
// # Producing
//
// EnsureStream creates the stream EGRESS_EVENTS (subjects
// "roomcast.events.>", file storage, limits retention, 7 day max age,
// 2 minute duplicate window). NewEvent builds an Event with a fresh ID
// ("EV_" + random) and time; Publish stores it on
// "roomcast.events.<egress_id>" with the event ID as the JetStream message
// ID, so publishing the same event twice within 2 minutes stores it once.
//
// # Delivering
//
// A Dispatcher reads the durable pull consumer "webhooks" (deliver all,
// explicit ack, MaxAckPending 1). Only one event is ever outstanding, so
// events reach the endpoint in stream order, and so in order per job. A
// failed attempt (network error, timeout, or a status outside 2xx;
// redirects are not followed) is retried with exponential backoff from
// MinBackoff doubling to MaxBackoff, holding every later event back; the
// event is never skipped. A message that is not a valid Event is logged
// and terminated. An event may arrive more than once (a lost ack, a
// restart mid-delivery): receivers dedup on the event ID.
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

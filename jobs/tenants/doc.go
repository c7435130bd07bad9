// Package tenants keeps tenants and their API keys in a NATS JetStream
// key-value bucket, so every serve node and worker sees the same ones.
//
// The bucket holds two kinds of record:
//
//	t.<tenant id>   a Tenant, its secret fields and webhook URL sealed (package seal)
//	k.<key id>      a Key: the tenant it acts for and the SHA-256 of its secret
//
// A Store writes them and, while Run runs, keeps an in-memory copy of
// them current through a watch on the bucket, so Authenticate and the
// per-request look-ups never wait on the bus, and a revoked key or a
// deleted or disabled tenant stops working on every node within a moment
// of the change.
package tenants

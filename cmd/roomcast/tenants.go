package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/egress/outbound"
	"github.com/roomcast/roomcast/jobs/seal"
	"github.com/roomcast/roomcast/jobs/tenants"
	"github.com/roomcast/roomcast/storage/s3"
	"github.com/roomcast/roomcast/storage/tenantstore"
)

// tenantsReadyTimeout bounds the first load of the tenant store.
const tenantsReadyTimeout = 15 * time.Second

// openTenants opens the tenant store, makes sure the config file's
// tenants are in it (so they have join-token secrets too; serve nodes
// do, with ensure) and keeps its cache current until the returned stop
// is called.
func openTenants(ctx context.Context, nc *nats.Conn, cfg configs.Config, ring *seal.Keyring, ensure bool, log *slog.Logger) (*tenants.Store, func(), error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, nil, fmt.Errorf("tenants: %w", err)
	}
	store, err := tenants.Open(ctx, js, ring, log.With("component", "tenants"))
	if err != nil {
		return nil, nil, fmt.Errorf("tenants: %w", err)
	}
	for _, id := range configTenants(cfg.API.Keys) {
		if !ensure {
			break
		}
		if _, err := store.Ensure(ctx, id); err != nil {
			return nil, nil, fmt.Errorf("tenants: config tenant %s: %w", id, err)
		}
	}
	runCtx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := store.Run(runCtx); err != nil {
			log.Error("tenant store stopped", "err", err)
		}
	})
	stop := func() { cancel(); wg.Wait() }
	readyCtx, cancelReady := context.WithTimeout(ctx, tenantsReadyTimeout)
	defer cancelReady()
	if err := store.WaitReady(readyCtx); err != nil {
		stop()
		return nil, nil, fmt.Errorf("tenants: first load: %w", err)
	}
	return store, stop, nil
}

// configTenants are the tenants the config file's keys name, once each.
func configTenants(keys []configs.APIKey) []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range keys {
		if !seen[k.Tenant] {
			seen[k.Tenant] = true
			out = append(out, k.Tenant)
		}
	}
	return out
}

// checkURL refuses a URL whose host the outbound policy refuses.
func checkURL(policy *outbound.Policy) func(ctx context.Context, raw string) error {
	return func(ctx context.Context, raw string) error {
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			return errors.New("not an absolute URL")
		}
		return policy.CheckHost(ctx, u.Hostname())
	}
}

// storageCheckTimeout bounds the check of a tenant's own bucket.
const storageCheckTimeout = 10 * time.Second

// checkStorage opens a tenant's own bucket with its credentials: a wrong
// key, a missing bucket or an unreachable endpoint is refused when set.
func checkStorage(log *slog.Logger) func(ctx context.Context, st tenants.Storage) error {
	return func(ctx context.Context, st tenants.Storage) error {
		ctx, cancel := context.WithTimeout(ctx, storageCheckTimeout)
		defer cancel()
		_, err := s3.Open(ctx, tenantS3(st), log)
		return err
	}
}

// tenantS3 is the S3 config of a tenant's own storage.
func tenantS3(st tenants.Storage) s3.Config {
	return s3.Config{
		Endpoint: st.Endpoint, Region: st.Region, Bucket: st.Bucket, PathStyle: st.PathStyle,
		AccessKey: st.AccessKeyID, SecretKey: st.SecretAccessKey,
	}
}

// tenantTargets routes each tenant with storage of its own to it.
func tenantTargets(store *tenants.Store) tenantstore.Resolve {
	return func(id string) (tenantstore.Target, bool) {
		if store == nil {
			return tenantstore.Target{}, false
		}
		t, ok := store.Tenant(id)
		if !ok || t.Settings.Storage == nil {
			return tenantstore.Target{}, false
		}
		st := t.Settings.Storage
		prefix := st.Prefix
		if prefix != "" && !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		return tenantstore.Target{S3: tenantS3(*st), Prefix: prefix}, true
	}
}

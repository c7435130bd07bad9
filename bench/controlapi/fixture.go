package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/roomcast/roomcast/api"
	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/room"
	"github.com/roomcast/roomcast/test/apifixture"
)

// The benchmark's tenant (in the tenant store), its room and its job.
const (
	benchTenant = "bench"
	benchRoom   = "stage"
	benchJob    = "EG_bench"
	// configKey is a key of the config file, of the default tenant.
	configKey = "bench-config-key-0123456789abcdef"
)

// fixture is the server under test and the credentials to call it with.
type fixture struct {
	URL     string
	server  *api.Server
	http    *httptest.Server
	tenants *apifixture.Tenants
	rooms   *room.Manager
	dir     string
	// storeKey is an API key of benchTenant made through the store
	// ("rck_…"); token a join token for benchRoom that may publish.
	storeKey, token string
}

// startFixture serves the API on 127.0.0.1 with rate limits off.
func startFixture(ctx context.Context) (*fixture, error) {
	dir, err := os.MkdirTemp("", "roomcast-controlapi-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	fx := &fixture{dir: dir}
	if err := fx.start(ctx); err != nil {
		fx.Close()
		return nil, err
	}
	return fx, nil
}

func (fx *fixture) start(ctx context.Context) error {
	setup, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var err error
	if fx.tenants, err = apifixture.OpenTenants(setup, fx.dir, configs.DefaultTenant, benchTenant); err != nil {
		return err
	}
	if err := fx.makeKey(setup); err != nil {
		return err
	}
	if err := fx.startServer(); err != nil {
		return err
	}
	fx.token, err = fx.mintToken(setup)
	return err
}

// makeKey creates benchTenant's API key and waits until it works.
func (fx *fixture) makeKey(ctx context.Context) error {
	store := fx.tenants.Store
	_, key, err := store.CreateKey(ctx, benchTenant)
	if err != nil {
		return err
	}
	fx.storeKey = key
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, _, ok := store.Authenticate(key); ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the new key never loaded: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// startServer starts the room manager, benchRoom and the API server.
func (fx *fixture) startServer() error {
	var err error
	log := slog.New(slog.DiscardHandler)
	fx.rooms, err = room.NewManager(room.Config{MaxParticipants: 64, RTC: rtc.Options{LoopbackOnly: true}, Logger: log})
	if err != nil {
		return fmt.Errorf("room manager: %w", err)
	}
	if _, err := fx.rooms.In(benchTenant).Create(benchRoom, room.CreateOptions{}); err != nil {
		return fmt.Errorf("room: %w", err)
	}
	fx.server = api.New(api.Config{
		Keys:    []configs.APIKey{{Tenant: configs.DefaultTenant, Key: configKey}},
		Tenants: fx.tenants.Store,
		Rooms:   fx.rooms,
		Egress:  jobEgress{tenant: benchTenant, id: benchJob, room: benchRoom},
		Logger:  log,
	})
	fx.http = httptest.NewServer(fx.server)
	fx.URL = fx.http.URL
	return nil
}

// mintToken asks the API for a join token of benchRoom.
func (fx *fixture) mintToken(ctx context.Context) (string, error) {
	req, err := tokenRequest(ctx, fx)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("mint a token: %w", err)
	}
	defer resp.Body.Close()
	var tok struct{ Token string }
	if err := decodeAnswer(resp, http.StatusCreated, &tok); err != nil {
		return "", fmt.Errorf("mint a token: %w", err)
	}
	if !strings.Contains(tok.Token, ".") {
		return "", errors.New("mint a token: the answer holds no token")
	}
	return tok.Token, nil
}

// Close stops the server, the rooms and the store, and removes the
// temporary directory.
func (fx *fixture) Close() {
	if fx.http != nil {
		fx.http.Close()
	}
	if fx.rooms != nil {
		fx.rooms.Close()
	}
	if fx.tenants != nil {
		fx.tenants.Close()
	}
	_ = os.RemoveAll(fx.dir)
}

package client_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/roomcast/roomcast/jobs"
	"github.com/roomcast/roomcast/jobs/webhook"
	"github.com/roomcast/roomcast/test/apifixture"
)

var t1 = time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)

func TestWorkersAndWebhooks(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{
		Workers: []jobs.WorkerInfo{{ID: "w1", Capacity: 400, Load: 150, CPU: 123.5, Jobs: []string{"EG_1"}, StartedAt: t1, Heartbeat: t1.Add(time.Minute)}},
		Parked: []webhook.Parked{
			{ID: "PK_1", Endpoint: "acme", Tenant: apifixture.Tenant, State: webhook.StateParked, Attempts: 5, LastError: "HTTP 500", ParkedAt: t1,
				Event: webhook.Event{ID: "EV_1", Type: "egress.failed", Time: t1, Tenant: apifixture.Tenant, EgressID: "EG_1", Data: json.RawMessage(`{"id":"EG_1"}`)}},
			{ID: "PK_2", Tenant: apifixture.OtherTenant, State: webhook.StateParked},
		},
	})
	c, ctx := newClient(t, srv, apifixture.Key), ctxOf(t)
	ws, err := c.ListWorkers(ctx)
	// EG_1 is no job of the caller's tenant: a worker's view hides it.
	if err != nil || len(ws) != 1 || ws[0].ID != "w1" || ws[0].CPU != 123.5 || len(ws[0].Jobs) != 0 || !ws[0].Heartbeat.Equal(t1.Add(time.Minute)) {
		t.Fatalf("workers: %+v %v", ws, err)
	}
	parked, err := c.ListParkedWebhooks(ctx)
	if err != nil || len(parked) != 1 || parked[0].ID != "PK_1" || parked[0].Event.Type != "egress.failed" || string(parked[0].Event.Data) != `{"id":"EG_1"}` {
		t.Fatalf("parked: %+v %v", parked, err)
	}
	p, err := c.RetryParkedWebhook(ctx, "PK_1")
	if err != nil || p.State != webhook.StateRetrying {
		t.Fatalf("retry: %+v %v", p, err)
	}
	_, err = c.RetryParkedWebhook(ctx, "PK_2")
	apiErr(t, "retry another tenant's event", err, 404, "not_found")
}

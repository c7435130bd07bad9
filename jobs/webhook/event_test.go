package webhook

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewEventFillsIDAndTime(t *testing.T) {
	before := time.Now()
	a, err := NewEvent(EgressStarted, "TN_1", "EG_1", map[string]string{"state": "active"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewEvent(EgressStarted, "TN_1", "EG_1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.ID, "EV_") || a.ID == b.ID {
		t.Errorf("ids %q %q", a.ID, b.ID)
	}
	if a.Time.Before(before.Add(-time.Second)) || a.Time.After(time.Now()) {
		t.Errorf("time %v", a.Time)
	}
	if string(a.Data) != `{"state":"active"}` || b.Data != nil {
		t.Errorf("data %s / %s", a.Data, b.Data)
	}
	raw, _ := json.Marshal(b)
	if strings.Contains(string(raw), `"data"`) {
		t.Errorf("empty data marshalled: %s", raw)
	}
}

func TestNewEventRejects(t *testing.T) {
	cases := map[string]struct {
		typ, egress string
		data        any
	}{
		"unknown type":   {"egress_exploded", "EG_1", nil},
		"empty egress":   {EgressEnded, "", nil},
		"dot":            {EgressEnded, "EG.1", nil},
		"wildcard":       {EgressEnded, "EG_*", nil},
		"full wildcard":  {EgressEnded, ">", nil},
		"space":          {EgressEnded, "EG 1", nil},
		"non ascii":      {EgressEnded, "EG_é", nil},
		"too long":       {EgressEnded, strings.Repeat("a", maxTokenLen+1), nil},
		"unmarshallable": {EgressEnded, "EG_1", make(chan int)},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := NewEvent(c.typ, "TN_1", c.egress, c.data); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestPublishRejectsInvalidEvent(t *testing.T) {
	js, _ := startJS(t)
	ev := Event{ID: "EV_1", Type: EgressEnded, EgressID: "roomcast.events.x"}
	if err := Publish(testCtx(t), js, ev); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("Publish: %v, want ErrInvalidEvent", err)
	}
}

func TestBackoffDoublesToCap(t *testing.T) {
	b := newBackoff(time.Second, 5*time.Second)
	want := []time.Duration{1, 2, 4, 5, 5}
	for i, w := range want {
		if got := b.next(); got != w*time.Second {
			t.Fatalf("step %d: %s, want %s", i, got, w*time.Second)
		}
	}
}

package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
)

var workerCommands = map[string]subcommand{
	"list": {about: "list the egress workers", setup: func(*flag.FlagSet) runFunc { return listWorkers }},
}

func listWorkers(ctx context.Context, s *session, _ []string) error {
	ws, err := s.c.ListWorkers(ctx)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(map[string]any{"workers": ws})
	}
	rows := [][]string{{"ID", "CAPACITY", "LOAD", "CPU", "JOBS", "STATE", "UP", "HEARTBEAT"}}
	for _, w := range ws {
		state := "ready"
		if w.Draining {
			state = "draining"
		}
		rows = append(rows, []string{w.ID, strconv.Itoa(w.Capacity), strconv.Itoa(w.Load), fmt.Sprintf("%.0f%%", w.CPU),
			orDash(strings.Join(w.Jobs, ",")), state, humanDuration(s.now().Sub(w.StartedAt)), humanDuration(s.now().Sub(w.Heartbeat)) + " ago"})
	}
	return s.table(rows)
}

var webhookCommands = map[string]subcommand{
	"list": {about: "list the parked webhook events (their endpoint refused them), oldest first", setup: func(*flag.FlagSet) runFunc { return listParked }},
	"retry": {args: "ID", nargs: 1, about: "send a parked event back to its endpoint's queue", setup: func(*flag.FlagSet) runFunc {
		return func(ctx context.Context, s *session, a []string) error {
			p, err := s.c.RetryParkedWebhook(ctx, a[0])
			if err != nil {
				return err
			}
			return s.done(p, "queued %s (%s of %s) again", p.ID, p.Event.Type, p.Event.EgressID)
		}
	}},
}

func listParked(ctx context.Context, s *session, _ []string) error {
	ps, err := s.c.ListParkedWebhooks(ctx)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(map[string]any{"parked": ps})
	}
	rows := [][]string{{"ID", "EVENT", "EGRESS", "ENDPOINT", "STATE", "ATTEMPTS", "PARKED", "LAST ERROR"}}
	for _, p := range ps {
		rows = append(rows, []string{p.ID, p.Event.Type, orDash(p.Event.EgressID), orDash(p.Endpoint), p.State,
			strconv.Itoa(p.Attempts), localTime(p.ParkedAt), orDash(p.LastError)})
	}
	return s.table(rows)
}

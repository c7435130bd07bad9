package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/client"
)

var egressCommands = map[string]subcommand{
	"start": {about: "start a job: a room's composite to RTMP targets and/or the recording", setup: egressStart},
	"list":  {about: "list the jobs, newest first", setup: egressList},
	"get": {args: "ID", nargs: 1, about: "show a job and its outputs", setup: func(*flag.FlagSet) runFunc {
		return func(ctx context.Context, s *session, a []string) error { return s.showJob(s.c.GetEgress(ctx, a[0])) }
	}},
	"stop": {args: "ID", nargs: 1, about: "stop a job (each stream ends on a whole GOP)", setup: func(*flag.FlagSet) runFunc {
		return func(ctx context.Context, s *session, a []string) error { return s.showJob(s.c.StopEgress(ctx, a[0])) }
	}},
	"layout":        {args: "ID LAYOUT", nargs: 2, about: "switch a live job's layout (grid, speaker, presentation, single)", setup: egressLayout},
	"add-target":    {args: "ID URL", nargs: 2, about: "add an RTMP(S) target to a live job", setup: egressAddTarget},
	"remove-target": {args: "ID TARGET_ID", nargs: 2, about: "remove an RTMP target (its id from 'egress get') from a live job", setup: egressRemoveTarget},
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func egressStart(fs *flag.FlagSet) runFunc {
	room := fs.String("room", "", "the room (required unless the spec names it)")
	layout := fs.String("layout", "", "grid, speaker, presentation or single (default: the server's)")
	participant := fs.String("participant", "", "with --layout single: the participant shown")
	var rtmp stringList
	fs.Var(&rtmp, "rtmp", "an RTMP(S) target URL (repeat for more)")
	record := fs.Bool("record", false, "record the job to the archive")
	specFile := fs.String("spec", "", "a JSON file with the full request (POST /v1/egress); the flags above add to it")
	return func(ctx context.Context, s *session, _ []string) error {
		var spec types.Spec
		if *specFile != "" {
			if err := readJSONFile(*specFile, &spec); err != nil {
				return fmt.Errorf("--spec: %w", err)
			}
		}
		if *room != "" {
			spec.Room = *room
		}
		if *layout != "" {
			spec.Layout = *layout
		}
		if *participant != "" {
			spec.Participant = *participant
		}
		spec.Outputs.RTMP = append(spec.Outputs.RTMP, types.URLs(rtmp...)...)
		if *record && spec.Outputs.Record == nil {
			spec.Outputs.Record = &types.RecordSpec{}
		}
		if spec.Room == "" {
			return fmt.Errorf("--room is required")
		}
		if len(spec.Outputs.RTMP) == 0 && spec.Outputs.Record == nil {
			return fmt.Errorf("nothing to do: give --rtmp URL and/or --record")
		}
		return s.showJob(s.c.StartEgress(ctx, spec))
	}
}

// readJSONFile decodes a JSON file strictly into v.
func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func egressList(fs *flag.FlagSet) runFunc {
	room := fs.String("room", "", "only this room's jobs")
	active := fs.Bool("active", false, "only jobs that have not ended")
	return func(ctx context.Context, s *session, _ []string) error {
		jobs, err := s.c.ListEgress(ctx, client.EgressFilter{Room: *room, Active: *active})
		if err != nil {
			return err
		}
		if s.json {
			return s.printJSON(map[string]any{"egress": jobs})
		}
		rows := [][]string{{"ID", "ROOM", "LAYOUT", "STATUS", "OUTPUTS", "CREATED", "WORKER"}}
		for _, j := range jobs {
			rows = append(rows, []string{j.ID, j.Room, orDash(j.Layout), j.Status, outputsSummary(j.Outputs), localTime(j.CreatedAt), orDash(j.Worker)})
		}
		return s.table(rows)
	}
}

// outputsSummary is "2 rtmp + record".
func outputsSummary(o types.OutputsInfo) string {
	var parts []string
	if n := len(o.RTMP); n > 0 {
		parts = append(parts, strconv.Itoa(n)+" rtmp")
	}
	if o.Record != nil {
		parts = append(parts, "record")
	}
	return orDash(strings.Join(parts, " + "))
}

func egressLayout(fs *flag.FlagSet) runFunc {
	participant := fs.String("participant", "", "with layout single: the participant shown")
	return func(ctx context.Context, s *session, a []string) error {
		u := types.Update{LayoutSpec: types.LayoutSpec{Layout: a[1], Participant: *participant}}
		return s.showJob(s.c.UpdateEgress(ctx, a[0], u))
	}
}

func egressAddTarget(fs *flag.FlagSet) runFunc {
	canvas := fs.String("canvas", "", "the canvas the target takes (default: the main one)")
	maxRetry := fs.Duration("max-retry", 0, "how long the target may stay down before it is given up (0: while the job runs)")
	return func(ctx context.Context, s *session, a []string) error {
		t := types.Target{URL: a[1], Canvas: *canvas, MaxRetrySeconds: maxRetry.Seconds()}
		return s.showJob(s.c.UpdateEgress(ctx, a[0], types.Update{AddRTMP: []types.Target{t}}))
	}
}

func egressRemoveTarget(*flag.FlagSet) runFunc {
	return func(ctx context.Context, s *session, a []string) error {
		return s.showJob(s.c.UpdateEgress(ctx, a[0], types.Update{RemoveRTMP: []string{a[1]}}))
	}
}

// showJob prints a job (the answer of a call), or the call's error.
func (s *session) showJob(j types.Info, err error) error {
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(j)
	}
	err = s.fields("id", j.ID, "room", j.Room, "layout", j.Layout, "status", j.Status, "reason", j.Reason, "error", j.Error,
		"worker", j.Worker, "kind", j.Kind, "created", when(j.CreatedAt, s.now()), "started", localTimePtr(j.StartedAt),
		"ended", localTimePtr(j.EndedAt), "record", recordSummary(j.Outputs.Record))
	if err != nil || len(j.Outputs.RTMP) == 0 {
		return err
	}
	rows := [][]string{{"", "TARGET", "URL", "STATE", "BITRATE", "SENT", "RECONNECTS", "ERROR"}}
	for _, o := range j.Outputs.RTMP {
		rows = append(rows, []string{"", o.ID, o.URL, string(o.State), fmt.Sprintf("%d kb/s", o.BitrateKbps),
			humanBytes(int64(min(o.Bytes, 1<<62))), strconv.Itoa(o.Reconnects), orDash(o.Error)})
	}
	fmt.Fprintln(s.out)
	return s.table(rows)
}

// recordSummary is "REC_… live, 12 segments, 3.4 MB, 48s".
func recordSummary(r *types.RecordInfo) string {
	if r == nil {
		return ""
	}
	out := fmt.Sprintf("%s %s, %d segments, %s, %s", r.RecordingID, r.State, r.Segments, humanBytes(r.Bytes), humanSeconds(r.Duration))
	if r.Error != "" {
		out += ": " + r.Error
	}
	return out
}

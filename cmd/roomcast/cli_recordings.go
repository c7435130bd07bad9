package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/client"
)

var recordingCommands = map[string]subcommand{
	"list":     {about: "list the recordings, newest first", setup: recordingsList},
	"get":      {args: "ID", nargs: 1, about: "show a recording and a link that plays it without a key", setup: func(*flag.FlagSet) runFunc { return recordingGet }},
	"download": {args: "ID", nargs: 1, about: "save a recording as one MP4", setup: recordingDownload},
	"delete":   deleteOne("ID", "recording", "delete an ended recording", (*client.Client).DeleteRecording),
}

// timeFlag is a time flag read by parseWhen.
type timeFlag struct {
	t   time.Time
	now time.Time
}

func (f *timeFlag) String() string { return localTime(f.t) }
func (f *timeFlag) Set(v string) (err error) {
	f.t, err = parseWhen(v, f.now)
	return err
}

func recordingsList(fs *flag.FlagSet) runFunc {
	room := fs.String("room", "", "only this room's recordings")
	status := fs.String("status", "", "only recordings in this status: recording, complete or interrupted")
	from, to := &timeFlag{now: time.Now()}, &timeFlag{now: time.Now()}
	fs.Var(from, "from", "only recordings started at or after: RFC 3339, a date (2026-03-01) or how long ago (36h)")
	fs.Var(to, "to", "only recordings started before (as --from)")
	limit := fs.Int("limit", 0, "at most this many (1 to 1000; default: the server's, 50)")
	cursor := fs.String("cursor", "", "the next page, as the previous one said")
	return func(ctx context.Context, s *session, _ []string) error {
		page, err := s.c.ListRecordings(ctx, client.RecordingFilter{Room: *room, Status: *status, Since: from.t, Until: to.t, Limit: *limit, Cursor: *cursor})
		if err != nil {
			return err
		}
		if s.json {
			return s.printJSON(page)
		}
		rows := [][]string{{"ID", "ROOM", "STATUS", "STARTED", "DURATION", "SIZE"}}
		for _, r := range page.Recordings {
			rows = append(rows, []string{r.ID, r.Room, r.Status, localTime(r.StartedAt), humanSeconds(r.Duration), humanBytes(r.Size)})
		}
		if err := s.table(rows); err != nil {
			return err
		}
		if page.NextCursor != "" {
			fmt.Fprintf(s.errw, "more: add --cursor %s\n", page.NextCursor)
		}
		return nil
	}
}

func recordingGet(ctx context.Context, s *session, a []string) error {
	r, err := s.c.GetRecording(ctx, a[0])
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(r)
	}
	var names []string
	for _, p := range r.Participants {
		names = append(names, p.Name)
	}
	return s.fields("id", r.ID, "room", r.Room, "egress", r.Egress, "status", r.Status, "error", r.Error,
		"started", localTime(r.StartedAt), "ended", localTimePtr(r.EndedAt), "duration", humanSeconds(r.Duration),
		"size", humanBytes(r.Size), "video", videoFormat(r.Video), "audio", audioFormat(r.Audio),
		"participants", strings.Join(names, ", "), "segments", strconv.Itoa(len(r.Segments)),
		"discontinuities", strconv.Itoa(len(r.Discontinuities)), "playlist", s.c.URL(r.PlaylistURL))
}

func videoFormat(v *types.RecordingVideo) string {
	if v == nil {
		return ""
	}
	return fmt.Sprintf("%s %dx%d %d fps", v.Codec, v.Width, v.Height, v.FPS)
}

func audioFormat(a *types.RecordingAudio) string {
	if a == nil {
		return ""
	}
	return fmt.Sprintf("%s %d Hz, %d channels", a.Codec, a.SampleRate, a.Channels)
}

func recordingDownload(fs *flag.FlagSet) runFunc {
	out := fs.String("o", "", "the file to write (default ID.mp4; - for standard output)")
	return func(ctx context.Context, s *session, a []string) error {
		if *out == "-" {
			_, err := s.c.DownloadRecording(ctx, a[0], s.out)
			return err
		}
		name := *out
		if name == "" {
			name = filepath.Base(a[0]) + ".mp4"
		}
		n, err := downloadTo(ctx, s.c, a[0], name)
		if err != nil {
			return err
		}
		return s.done(map[string]any{"id": a[0], "file": name, "bytes": n}, "saved %s (%s)", name, humanBytes(n))
	}
}

// downloadTo writes the recording to a temporary file beside name and
// renames it once whole, so name is never a partial download.
func downloadTo(ctx context.Context, c *client.Client, id, name string) (int64, error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.part")
	if err != nil {
		return 0, err
	}
	n, err := c.DownloadRecording(ctx, id, f)
	err = errors.Join(err, f.Close())
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return n, err
	}
	return n, nil
}

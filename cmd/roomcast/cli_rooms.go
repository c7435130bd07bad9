package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/client"
)

var roomCommands = map[string]subcommand{
	"list": {about: "list the rooms", setup: func(*flag.FlagSet) runFunc { return listRooms }},
	"create": {args: "NAME", nargs: 1, about: "create a room", setup: func(*flag.FlagSet) runFunc {
		return func(ctx context.Context, s *session, a []string) error {
			r, err := s.c.CreateRoom(ctx, a[0])
			if err != nil {
				return err
			}
			return s.done(r, "created room %s", r.Name)
		}
	}},
	"get":    {args: "NAME", nargs: 1, about: "show a room and its participants", setup: func(*flag.FlagSet) runFunc { return getRoom }},
	"delete": deleteOne("NAME", "room", "close a room, disconnecting everyone", (*client.Client).DeleteRoom),
}

func listRooms(ctx context.Context, s *session, _ []string) error {
	rooms, err := s.c.ListRooms(ctx)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(map[string]any{"rooms": rooms})
	}
	rows := [][]string{{"NAME", "PARTICIPANTS", "TRACKS", "SUBSCRIBERS"}}
	for _, r := range rooms {
		tracks := 0
		for _, p := range r.Participants {
			tracks += len(p.Tracks)
		}
		rows = append(rows, []string{r.Name, strconv.Itoa(len(r.Participants)), strconv.Itoa(tracks), strconv.Itoa(r.Subscribers)})
	}
	return s.table(rows)
}

func getRoom(ctx context.Context, s *session, a []string) error {
	r, err := s.c.GetRoom(ctx, a[0])
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(r)
	}
	if err := s.fields("room", r.Name, "participants", strconv.Itoa(len(r.Participants)), "subscribers", strconv.Itoa(r.Subscribers)); err != nil {
		return err
	}
	if len(r.Participants) == 0 {
		return nil
	}
	rows := [][]string{{"", "PARTICIPANT", "ID", "TRACKS"}}
	for _, p := range r.Participants {
		rows = append(rows, []string{"", p.Name, p.ID, trackList(p.Tracks)})
	}
	fmt.Fprintln(s.out)
	return s.table(rows)
}

// trackList is "video VP8 camera, audio opus microphone".
func trackList(ts []types.Track) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = strings.Join([]string{t.Kind, t.Codec, t.Source}, " ")
	}
	return orDash(strings.Join(parts, ", "))
}

var tokenCommands = map[string]subcommand{
	"create": {about: "make a participant's join token for a room (a credential: printed once)", setup: tokenCreate},
}

func tokenCreate(fs *flag.FlagSet) runFunc {
	room := fs.String("room", "", "the room (required)")
	name := fs.String("name", "", "the participant's name (required)")
	publish := fs.Bool("publish", false, "may publish")
	subscribe := fs.Bool("subscribe", false, "may subscribe")
	ttl := fs.Duration("ttl", 0, "how long the token is valid (default: the server's)")
	link := fs.Bool("link", false, "also print the room page link that joins with the token")
	return func(ctx context.Context, s *session, _ []string) error {
		if *room == "" || *name == "" {
			return fmt.Errorf("--room and --name are required")
		}
		if *ttl < 0 || *ttl%time.Second != 0 {
			return fmt.Errorf("--ttl: want whole seconds, such as 90s or 1h")
		}
		tok, err := s.c.CreateToken(ctx, *room, types.TokenRequest{Name: *name, Publish: *publish, Subscribe: *subscribe, TTLSeconds: int(*ttl / time.Second)})
		if err != nil {
			return err
		}
		out := struct {
			types.Token
			Link string `json:"link,omitempty"`
		}{Token: tok}
		if *link {
			out.Link = s.server + "/rooms/" + url.PathEscape(*room) + "#token=" + url.QueryEscape(tok.Token)
		}
		if s.json {
			return s.printJSON(out)
		}
		fmt.Fprintln(s.out, tok.Token)
		if out.Link != "" {
			fmt.Fprintln(s.out, out.Link)
		}
		fmt.Fprintf(s.errw, "expires %s\n", when(tok.ExpiresAt, s.now()))
		return nil
	}
}

package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/websocket"
)

// watch prints a hall's event stream, one JSON message a line: a quick way
// for an installer to see calls arrive.
func watch(ctx context.Context, args []string, env Env) error {
	fs := newFlags("watch", env)
	base := fs.String("url", "http://localhost:8080", "the hall server")
	token := fs.String("token", "", "a device or staff token (not needed while public_display is on)")
	since := fs.Int64("since", -1, "resume after this event sequence number")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	u, err := url.Parse(*base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return usagef("-url must be http://HOST:PORT, not %q", *base)
	}
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	u.Path = strings.TrimRight(u.Path, "/") + "/api/v1/stream"
	if *since >= 0 {
		u.RawQuery = fmt.Sprintf("since=%d", *since)
	}
	h := http.Header{}
	if *token != "" {
		h.Set("Authorization", "Bearer "+*token)
	}
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, u.String(), h)
	if err != nil {
		if resp != nil {
			return fmt.Errorf("connect to %s: %s", u, resp.Status)
		}
		return fmt.Errorf("connect to %s: %w", u, err)
	}
	defer conn.Close()
	go func() { <-ctx.Done(); conn.Close() }()
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("stream ended: %w", err)
		}
		fmt.Fprintf(env.Stdout, "%s\n", data)
	}
}

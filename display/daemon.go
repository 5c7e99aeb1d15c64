package display

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/enrol"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/sdnotify"
)

// freshFor is how long a new call stays highlighted.
const freshFor = 8 * time.Second

// Daemon shows the hall's calls on one renderer and, if it has a player,
// says them. It is the display program minus its flags.
type Daemon struct {
	Config   *Config
	Renderer Renderer
	// Player, if set, says the calls (hall mode: every call; counter mode:
	// this counter's).
	Player *Player
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
	// Identity, if set, holds the display's token: while it has none the
	// screen shows the enrolment code (Run runs it, and it tells the
	// daemon through ShowEnrolment); once the admin approves, the display
	// follows the stream with the new token, without a restart; a token
	// the server refuses sends it back to enrolment. Without an Identity
	// Config.Token is used as it is.
	Identity *enrol.Identity

	live atomic.Pointer[sdnotify.Liveness]
	// screen and streamLive beat for the watchdog: the redraw loop, and
	// the stream followed (or the enrolment waited for).
	screen, streamLive *sdnotify.Worker

	mu       sync.Mutex
	state    State
	lastCall time.Time
	api      *hallclient.Client
	stream   *hallclient.Stream
	// stopStream ends the stream of a token the server refused.
	stopStream context.CancelFunc
	enrolling  *EnrolView
	renderErr  string
}

// quietScreen is the longest the redraw loop (a tick a second) may go
// without a beat; quietStream the longest the stream may: a read waits at
// most 75 s for the server's ping every 54 s, a reconnection at most 30 s
// of back-off and the dial's own timeout.
const (
	quietScreen = 30 * time.Second
	quietStream = 3 * time.Minute
)

// Healthy reports whether the display's workers make progress: the screen
// is redrawn (no render stuck on its device) and the stream followed (or
// the enrolment waited for). The command feeds systemd's watchdog only
// while it is nil.
func (d *Daemon) Healthy(ctx context.Context) error {
	// Not under d.mu: a render stuck on its device holds that.
	live := d.live.Load()
	if live == nil {
		return errors.New("display: not running")
	}
	return live.Check(ctx)
}

// Token is the device token the display uses now ("" while it has none).
func (d *Daemon) Token() string {
	if d.Identity != nil {
		return d.Identity.Token()
	}
	return d.Config.Token
}

// ShowEnrolment shows what an enrolling display shows (the Identity's
// Show): the code while it waits, nothing once it is enrolled.
func (d *Daemon) ShowEnrolment(st enrol.Status) {
	d.mu.Lock()
	if st.Waiting() {
		ev := &EnrolView{Code: st.Code, Rejected: st.Rejected, Server: d.Config.Server}
		if d.Identity != nil {
			ev.Device = d.Identity.Name
		}
		if st.Err != nil {
			ev.Failed = st.Err.Error()
		}
		d.enrolling = ev
	} else {
		d.enrolling = nil
	}
	d.mu.Unlock()
	d.render()
}

// Run runs until ctx ends.
func (d *Daemon) Run(ctx context.Context) error {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	d.api = hallclient.New(d.Config.Server, 10*time.Second)
	live := &sdnotify.Liveness{Now: d.Now}
	d.screen = live.Worker("screen", quietScreen)
	d.streamLive = live.Worker("stream", quietStream)
	d.live.Store(live)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer func() { cancel(); wg.Wait() }()
	if d.Identity != nil {
		wg.Go(func() {
			if err := d.Identity.Run(ctx); err != nil && ctx.Err() == nil {
				d.Logger.Error("enrolment", "err", err)
			}
		})
	}
	if d.Player != nil {
		wg.Go(func() { d.Player.Run(ctx, func(err error) { d.Logger.Warn("announcement", "err", err) }) })
	}
	wg.Go(func() { d.tick(ctx) })
	wg.Go(func() { d.heartbeats(ctx) })
	d.render()
	var since int64
	for {
		token := d.Config.Token
		if d.Identity != nil {
			var err error
			if token, err = d.waitToken(ctx); err != nil {
				return err
			}
		}
		st := &hallclient.Stream{Client: d.api, Token: token, Since: since, Logger: d.Logger, Alive: d.streamLive.Beat,
			OnState: func(up bool) {
				d.mu.Lock()
				d.state.Online = up
				d.mu.Unlock()
				if !up {
					d.render()
				}
			}}
		sctx, stop := context.WithCancel(ctx)
		d.mu.Lock()
		d.stream, d.stopStream = st, stop
		d.mu.Unlock()
		err := st.Run(sctx, d.handle)
		stop()
		since = st.Last()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case d.Identity != nil && hallclient.IsCode(err, hallq.EUNAUTHORIZED, ""):
			// Revoked: back to enrolment, then resume where we were.
			d.revoked(token)
		case sctx.Err() != nil:
			// Stopped by revoked(): the next token resumes the stream.
		default:
			return err
		}
	}
}

// waitToken waits for the Identity's token, beating for the watchdog
// while the admin has not approved the display yet.
func (d *Daemon) waitToken(ctx context.Context) (string, error) {
	for {
		d.streamLive.Beat()
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		token, err := d.Identity.Wait(wctx)
		cancel()
		if err == nil || ctx.Err() != nil {
			return token, err
		}
	}
}

// revoked sends the display back to enrolment: the server refuses token.
func (d *Daemon) revoked(token string) {
	d.Identity.Revoked(token)
	d.mu.Lock()
	stop := d.stopStream
	d.state.Online = false
	d.mu.Unlock()
	if stop != nil {
		stop()
	}
}

func (d *Daemon) handle(m hallclient.Message) error {
	d.mu.Lock()
	call := d.state.Apply(m)
	now := d.Now()
	mine := call != nil && (d.Config.Mode == ModeHall || call.Counter == d.Config.Counter)
	snapNow := d.state.Hall.Hall.Now
	if mine && !m.Replayed {
		d.lastCall = now
	}
	d.mu.Unlock()
	if mine && d.Player != nil {
		maxAge := time.Duration(d.Config.Audio.MaxAgeS) * time.Second
		// A replayed call is said only if it is still recent (server time
		// in the event, server time in the snapshot).
		if !m.Replayed || snapNow.IsZero() || snapNow.Sub(call.At) < 30*time.Second {
			d.Player.Enqueue(Announcement{Seq: call.Seq, Until: now.Add(maxAge)})
		}
	}
	if m.Replayed {
		return nil
	}
	d.render()
	return nil
}

// tick redraws for the clock and to end a call's highlight.
func (d *Daemon) tick(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	lastMinute, wasFresh := -1, false
	for {
		d.screen.Beat()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.mu.Lock()
		now := d.Now()
		fresh := now.Sub(d.lastCall) < freshFor
		d.mu.Unlock()
		if now.Minute() != lastMinute || fresh != wasFresh {
			lastMinute, wasFresh = now.Minute(), fresh
			d.render()
		}
	}
}

func (d *Daemon) render() {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.Now()
	if loc := d.state.Hall.Hall.Now.Location(); !d.state.Hall.Hall.Now.IsZero() {
		now = now.In(loc)
	}
	v := View{Mode: d.Config.Mode, Counter: d.Config.Counter, Lang: d.Config.Lang, Rows: d.Config.Rows,
		State: &d.state, Now: now, Fresh: !d.lastCall.IsZero() && d.Now().Sub(d.lastCall) < freshFor,
		Enrol: d.enrolling}
	if err := d.Renderer.Render(v); err != nil {
		if err.Error() != d.renderErr {
			d.Logger.Error("render", "err", err)
		}
		d.renderErr = err.Error()
	} else {
		d.renderErr = ""
	}
}

// heartbeats tell the hall server how the display is (GET /api/v1/devices
// shows it to the admin).
func (d *Daemon) heartbeats(ctx context.Context) {
	t := time.NewTicker(time.Duration(d.Config.HeartbeatS) * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.mu.Lock()
		var last int64
		if d.stream != nil {
			last = d.stream.Last()
		}
		health := map[string]any{"online": d.state.Online, "last_seq": last, "renderer": d.Config.Renderer,
			"mode": d.Config.Mode, "render_error": d.renderErr}
		d.mu.Unlock()
		token := d.Token()
		if token == "" {
			continue // not enrolled yet
		}
		err := d.api.Heartbeat(ctx, token, health)
		switch {
		case d.Identity != nil && hallclient.IsCode(err, hallq.EUNAUTHORIZED, ""):
			d.Logger.Warn("the server refuses the display's token", "err", err)
			d.revoked(token)
		case err != nil:
			d.Logger.Warn("heartbeat", "err", err)
		}
	}
}

// LEDBoard shows views on a MAX7219 chain: the number called and the
// counter ("1025   3"); in hall mode the newest call.
type LEDBoard struct {
	M *MAX7219
	// shown is the last text sent, so an unchanged view sends nothing.
	shown string
}

// Render shows v.
func (b *LEDBoard) Render(v View) error {
	label, counter := "", v.Counter
	if v.Enrol != nil {
		// Only the code fits: a display that drives a board asks for a
		// code of digits, which seven segments draw.
		return b.show(strings.ToUpper(v.Enrol.Code))
	}
	if v.Mode == ModeCounter {
		if c := v.State.Counter(v.Counter); c != nil && c.Current != nil {
			label = c.Current.Label
		}
	} else if len(v.State.Hall.Recent) > 0 {
		ev := v.State.Hall.Recent[0]
		counter = ev.Counter
		if ev.Ticket != nil {
			label = ev.Ticket.Label
		}
	}
	text := LEDText(label, counter, b.M.Digits())
	if v.State != nil && !v.State.Online {
		text = "--------"[:min(8, b.M.Digits())]
	}
	return b.show(text)
}

// show sends text unless it is on the board already.
func (b *LEDBoard) show(text string) error {
	if text == b.shown {
		return nil
	}
	if err := b.M.Show(text); err != nil {
		return err
	}
	b.shown = text
	return nil
}

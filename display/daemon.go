package display

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/hallq/hallq/hallclient"
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

	mu        sync.Mutex
	state     State
	lastCall  time.Time
	api       *hallclient.Client
	stream    *hallclient.Stream
	renderErr string
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
	d.stream = &hallclient.Stream{Client: d.api, Token: d.Config.Token, Logger: d.Logger,
		OnState: func(up bool) {
			d.mu.Lock()
			d.state.Online = up
			d.mu.Unlock()
			if !up {
				d.render()
			}
		}}
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer func() { cancel(); wg.Wait() }()
	if d.Player != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.Player.Run(ctx, func(err error) { d.Logger.Warn("announcement", "err", err) })
		}()
	}
	wg.Add(2)
	go func() { defer wg.Done(); d.tick(ctx) }()
	go func() { defer wg.Done(); d.heartbeats(ctx) }()
	d.render()
	return d.stream.Run(ctx, d.handle)
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
		State: &d.state, Now: now, Fresh: !d.lastCall.IsZero() && d.Now().Sub(d.lastCall) < freshFor}
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
		health := map[string]any{"online": d.state.Online, "last_seq": d.stream.Last(), "renderer": d.Config.Renderer,
			"mode": d.Config.Mode, "render_error": d.renderErr}
		d.mu.Unlock()
		if err := d.heartbeat(ctx, health); err != nil {
			d.Logger.Warn("heartbeat", "err", err)
		}
	}
}

func (d *Daemon) heartbeat(ctx context.Context, health map[string]any) error {
	if d.Config.Token == "" {
		return nil
	}
	return d.api.Heartbeat(ctx, d.Config.Token, health)
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
	if text == b.shown {
		return nil
	}
	if err := b.M.Show(text); err != nil {
		return err
	}
	b.shown = text
	return nil
}

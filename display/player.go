package display

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"sync"
	"time"
)

// Announcement is one call to say, by the seq of its event.
type Announcement struct {
	Seq int64
	// Until: an announcement still queued after this is dropped as stale.
	Until time.Time
}

// Player plays announcements one at a time, in the order they were queued:
// a call that arrives while another is being said waits for it to end, and
// a recall (its own event) is said again.
type Player struct {
	// Fetch returns the announcement's audio (a WAV file).
	Fetch func(ctx context.Context, seq int64) ([]byte, error)
	// Play plays a WAV file to its end (or until ctx ends).
	Play func(ctx context.Context, wav []byte) error
	// Now defaults to time.Now.
	Now func() time.Time

	mu    sync.Mutex
	queue []Announcement
	wake  chan struct{}
}

// Enqueue adds an announcement; it never blocks.
func (p *Player) Enqueue(a Announcement) {
	p.mu.Lock()
	p.queue = append(p.queue, a)
	if p.wake == nil {
		p.wake = make(chan struct{}, 1)
	}
	w := p.wake
	p.mu.Unlock()
	select {
	case w <- struct{}{}:
	default:
	}
}

func (p *Player) next() (Announcement, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	for len(p.queue) > 0 {
		a := p.queue[0]
		p.queue = p.queue[1:]
		if a.Until.IsZero() || now().Before(a.Until) {
			return a, true
		}
	}
	return Announcement{}, false
}

// Run plays queued announcements until ctx ends. A failed fetch or play is
// reported to onErr (if set) and the queue goes on.
func (p *Player) Run(ctx context.Context, onErr func(error)) error {
	p.mu.Lock()
	if p.wake == nil {
		p.wake = make(chan struct{}, 1)
	}
	w := p.wake
	p.mu.Unlock()
	for {
		a, ok := p.next()
		if !ok {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-w:
				continue
			}
		}
		wav, err := p.Fetch(ctx, a.Seq)
		if err == nil {
			err = p.Play(ctx, wav)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && onErr != nil {
			onErr(fmt.Errorf("announcement %d: %w", a.Seq, err))
		}
	}
}

// Aplay plays through ALSA with aplay (Debian's alsa-utils), on device ("" for
// ALSA's default). It returns when aplay has played the whole file.
func Aplay(command, device string) func(ctx context.Context, wav []byte) error {
	if command == "" {
		command = "aplay"
	}
	return func(ctx context.Context, wav []byte) error {
		args := []string{"-q"}
		if device != "" {
			args = append(args, "-D", device)
		}
		args = append(args, "-")
		cmd := exec.CommandContext(ctx, command, args...)
		cmd.Stdin = bytes.NewReader(wav)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v: %s", command, err, bytes.TrimSpace(out))
		}
		return nil
	}
}

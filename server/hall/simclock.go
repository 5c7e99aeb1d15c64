package hall

import (
	"sync"
	"time"

	"github.com/hallq/hallq"
)

// SimClock is the hall's clock in simulation mode (hallserver -sim-clock,
// used by hallsim): virtual time that runs Speed times as fast as real
// time from an anchor, and that the simulator may move forward (never
// back: the engine's numbering and the event log assume time does not
// run backwards). It is safe for concurrent use.
type SimClock struct {
	// Real is the real clock; nil means time.Now.
	Real func() time.Time

	mu         sync.Mutex
	anchorReal time.Time
	anchorVirt time.Time
	speed      float64
}

// maxSimSpeed bounds the speed-up: beyond it the hall's own timers (the
// 15 s calendar tick) and request latencies stop being small in virtual
// time.
const maxSimSpeed = 1000

// NewSimClock is a clock that reads start now and runs speed times as
// fast as real time.
func NewSimClock(start time.Time, speed float64) *SimClock {
	c := &SimClock{}
	c.anchorReal, c.anchorVirt, c.speed = c.real(), start, speed
	return c
}

func (c *SimClock) real() time.Time {
	if c.Real != nil {
		return c.Real()
	}
	return time.Now()
}

// Now is the virtual time.
func (c *SimClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *SimClock) nowLocked() time.Time {
	el := c.real().Sub(c.anchorReal)
	return c.anchorVirt.Add(time.Duration(float64(el) * c.speed))
}

// Speed is the current speed-up factor.
func (c *SimClock) Speed() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.speed
}

// Set moves the clock to at (zero: where it is) and sets its speed (0 or
// less: unchanged). It refuses to go back with ECONFLICT and a speed
// outside (0, 1000] with EINVALID.
func (c *SimClock) Set(at time.Time, speed float64) (time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.nowLocked()
	if at.IsZero() {
		at = now
	}
	if at.Before(now) {
		return now, hallq.Errorf(hallq.ECONFLICT, "the simulation clock reads %s; it does not go back to %s", now.Format(time.RFC3339), at.Format(time.RFC3339))
	}
	if speed > maxSimSpeed {
		return now, hallq.Errorf(hallq.EINVALID, "speed %g: at most %d", speed, maxSimSpeed)
	}
	if speed > 0 {
		c.speed = speed
	}
	c.anchorReal, c.anchorVirt = c.real(), at
	return at, nil
}

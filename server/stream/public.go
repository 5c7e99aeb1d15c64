package stream

import (
	"encoding/json"
	"sync"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/hub"
)

// A subscriber without a staff session — a TV, a phone, anyone on the
// hall's network — gets the public events only, as hallq.Event.Public
// shows them: the calls, counter states, queue figures and notices, no
// rating and no staff attribution (docs/API.md, "The public event set").

// publicKeep is how many recent events keep their public form: every
// public subscriber sends the same frame, so it is encoded once.
const publicKeep = 1024

// publicFrames encodes each event's public form once for all public
// subscribers.
type publicFrames struct {
	mu sync.Mutex
	m  map[int64]*publicFrame
}

type publicFrame struct {
	once sync.Once
	msg  *hub.Message // nil: nothing to send (m's JSON is not an event)
}

// message is m's public form (nil only if m's JSON is not an event, which
// the hall's own log never holds).
func (f *publicFrames) message(m *hub.Message) *hub.Message {
	f.mu.Lock()
	if f.m == nil {
		f.m = map[int64]*publicFrame{}
	}
	e := f.m[m.Seq]
	if e == nil {
		e = &publicFrame{}
		f.m[m.Seq] = e
		delete(f.m, m.Seq-publicKeep)
	}
	f.mu.Unlock()
	e.once.Do(func() {
		if data := publicJSON(m.JSON); data != nil {
			e.msg = hub.NewMessage(m.Seq, data)
		}
	})
	return e.msg
}

// messages replaces, in place, each of msgs by its public form, leaving
// out any that has none.
func (f *publicFrames) messages(msgs []*hub.Message) []*hub.Message {
	out := msgs[:0]
	for _, m := range msgs {
		if pm := f.message(m); pm != nil {
			out = append(out, pm)
		}
	}
	clear(msgs[len(out):])
	return out
}

// publicJSON is the public form of an event's JSON (nil if it does not
// decode, which the hall's own log never holds).
func publicJSON(data []byte) []byte {
	var ev hallq.Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil
	}
	pub := ev.Public()
	out, err := json.Marshal(&pub)
	if err != nil {
		return nil
	}
	return out
}

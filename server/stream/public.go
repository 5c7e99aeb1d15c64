package stream

import (
	"encoding/json"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/hub"
)

// A subscriber without a staff session — a TV, a phone, anyone on the
// hall's network — gets the public events only, as hallq.Event.Public
// shows them: the calls, counter states, queue figures and notices, no
// rating and no staff attribution (docs/API.md, "The public event set").

// publicKeep is how many recent events keep their public frame: every
// public subscriber sends the same one, so it is encoded once.
const publicKeep = 1024

// publicFrames encodes each event's public form once for all public
// subscribers.
type publicFrames struct {
	mu sync.Mutex
	m  map[int64]*publicFrame
}

type publicFrame struct {
	once sync.Once
	pm   *websocket.PreparedMessage
}

// frame is m's public frame (nil only if m's JSON is not an event, which
// the hall's own log never holds).
func (f *publicFrames) frame(m *hub.Message) *websocket.PreparedMessage {
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
			e.pm, _ = websocket.NewPreparedMessage(websocket.TextMessage, data)
		}
	})
	return e.pm
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

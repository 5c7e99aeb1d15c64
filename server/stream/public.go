package stream

import (
	"encoding/json"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/hub"
)

// A subscriber without a staff session — a TV, a phone, anyone on the
// hall's network — gets the public events only, as hallq.Event.Public
// shows them: the calls, counter states, queue figures and notices, no
// rating and no staff attribution (docs/API.md, "The public event set").

// Each live event's public form is made once for all of them, by the hub
// (hub.Message.Public), not looked up by each of them.

// publicMessages replaces, in place, each of msgs by its public form,
// leaving out any that has none.
func publicMessages(msgs []*hub.Message) []*hub.Message {
	out := msgs[:0]
	for _, m := range msgs {
		if pm := m.Public(); pm != nil {
			out = append(out, pm)
		}
	}
	clear(msgs[len(out):])
	return out
}

// publicJSON is the public form of a logged event's JSON, for a replay
// (nil if it does not decode, which the hall's own log never holds).
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

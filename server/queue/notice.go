package queue

import (
	"time"

	"github.com/hallq/hallq"
)

// SetNotice changes the scrolling notice of the hall display.
// Setting the notice it already shows changes nothing (nil Change).
// EINVALID for a text hallq.CheckNotice refuses.
func (e *Engine) SetNotice(now time.Time, text string, by Actor) (*Change, error) {
	if err := hallq.CheckNotice(text); err != nil {
		return nil, err
	}
	if text == e.settings.Notice {
		return nil, nil
	}
	b := e.begin(now, actorName(by))
	e.settings.Notice = text
	b.emit(hallq.Event{Type: hallq.EventHallNotice, Text: text})
	s := cloneSettings(e.settings)
	b.ch.Settings = &s
	return b.done(), nil
}

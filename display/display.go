// Package display is the hall's display: the hall state it keeps from the
// server's event stream (followed by hallclient.Stream, which resumes after
// any disconnect without missing or repeating an event), the renderers that
// show it (terminal, Linux framebuffer, MAX7219 LED board over SPI) and the
// announcement player. cmd/display wires them to a config file.
package display

import "github.com/hallq/hallq"

// IsCall reports whether ev calls a number (a first call or a recall).
func IsCall(ev *hallq.Event) bool {
	return ev != nil && ev.Ticket != nil && (ev.Type == hallq.EventTicketCalled || ev.Type == hallq.EventTicketRecalled)
}

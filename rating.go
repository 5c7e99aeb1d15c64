package hallq

import "time"

// Rating is one press on a counter's rating pad.
type Rating struct {
	ID        int64     `json:"id"`
	Counter   int       `json:"counter"`
	Score     int       `json:"score"`
	Device    string    `json:"device"`
	DeviceSeq int64     `json:"device_seq"`
	PressedAt time.Time `json:"pressed_at"` // server time minus age_ms
	At        time.Time `json:"at"`         // when the server received it
	TicketID  string    `json:"ticket_id,omitempty"`
	Officer   string    `json:"officer,omitempty"`
	// Unattached says why no ticket got the rating ("no_ticket", "already_rated").
	Unattached string `json:"unattached,omitempty"`
	// AgeCapped says the pad could not know the exact age (it restarted in between).
	AgeCapped bool `json:"age_capped,omitempty"`
}

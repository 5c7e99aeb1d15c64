package hallq

import (
	"strings"
	"time"
)

// Appointments (issue 19): a citizen books a slot of a service ahead, checks
// in at a kiosk with the booking's code and gets a ticket that carries it.

// BookingSettings are a service's booking rules; a service without them
// (nil) or with Enabled false takes no bookings.
type BookingSettings struct {
	Enabled bool `json:"enabled"`
	// SlotMin is the length of a slot in minutes; slots start at the
	// service's opening and follow each other.
	SlotMin int `json:"slot_min"`
	// Capacity is how many bookings one slot takes; 0 follows the
	// suggestion (SuggestCapacity) from the counters serving the service
	// and its recent service time.
	Capacity int `json:"capacity"`
	// DaysAhead is how many days ahead a slot may be booked (today is 0).
	DaysAhead int `json:"days_ahead"`
	// The check-in window: from CheckInBeforeMin before the slot's start
	// to CheckInAfterMin after it.
	CheckInBeforeMin int `json:"checkin_before_min"`
	CheckInAfterMin  int `json:"checkin_after_min"`
}

// Default booking rules (issue 19).
const (
	DefaultSlotMin          = 15
	DefaultDaysAhead        = 14
	DefaultCheckInBeforeMin = 15
	DefaultCheckInAfterMin  = 10
	DefaultRetentionDays    = 30
	// DefaultServiceMin is the service time a capacity suggestion assumes
	// for a service the hall has not served recently.
	DefaultServiceMin = 10
)

// DefaultBookingSettings are the rules of a service made bookable with
// nothing else said.
func DefaultBookingSettings() BookingSettings {
	return BookingSettings{Enabled: true, SlotMin: DefaultSlotMin, DaysAhead: DefaultDaysAhead,
		CheckInBeforeMin: DefaultCheckInBeforeMin, CheckInAfterMin: DefaultCheckInAfterMin}
}

// Bookable reports whether the service takes bookings.
func (s *Service) Bookable() bool { return s.Booking != nil && s.Booking.Enabled }

// Validate checks booking rules; field names the service's booking key.
func (b *BookingSettings) Validate(field string) error {
	switch {
	case b.SlotMin < 5 || b.SlotMin > 240:
		return fieldError(field+".slot_min", "%d: want 5 to 240 minutes", b.SlotMin)
	case b.Capacity < 0 || b.Capacity > 1000:
		return fieldError(field+".capacity", "%d: want 0 (the suggestion) to 1000", b.Capacity)
	case b.DaysAhead < 0 || b.DaysAhead > 366:
		return fieldError(field+".days_ahead", "%d: want 0 to 366 days", b.DaysAhead)
	case b.CheckInBeforeMin < 0 || b.CheckInBeforeMin > 240:
		return fieldError(field+".checkin_before_min", "%d: want 0 to 240 minutes", b.CheckInBeforeMin)
	case b.CheckInAfterMin < 0 || b.CheckInAfterMin > 240:
		return fieldError(field+".checkin_after_min", "%d: want 0 to 240 minutes", b.CheckInAfterMin)
	}
	return nil
}

// SuggestCapacity is the bookings a slot of slotMin minutes should take
// when counters officers serve the service and a citizen takes serviceMin
// minutes: half of what the counters can serve in a slot, so that walk-ins
// keep the other half; at least 1. A service no counter serves gets 0.
func SuggestCapacity(counters int, slotMin int, serviceMin float64) int {
	if counters <= 0 {
		return 0
	}
	if serviceMin <= 0 {
		serviceMin = DefaultServiceMin
	}
	return max(1, int(float64(counters)*float64(slotMin)/serviceMin/2))
}

// BookingStatus is where a booking is in its life: booked → checked_in;
// booked → cancelled; booked → no_show (its check-in window passed).
type BookingStatus string

// Booking states.
const (
	BookingBooked    BookingStatus = "booked"
	BookingCheckedIn BookingStatus = "checked_in"
	BookingCancelled BookingStatus = "cancelled"
	BookingNoShow    BookingStatus = "no_show"
)

// Who cancelled a booking (Booking.CancelledBy).
const (
	CancelledByCitizen = "citizen"
	CancelledByStaff   = "staff"
)

// Active reports whether a booking in state s holds its place in its slot.
func (s BookingStatus) Active() bool { return s == BookingBooked || s == BookingCheckedIn }

// ValidBookingStatus reports whether s is a booking state.
func ValidBookingStatus(s BookingStatus) bool {
	return s == BookingBooked || s == BookingCheckedIn || s == BookingCancelled || s == BookingNoShow
}

// Booking is a citizen's appointment: a place in one slot of a service.
// Its JSON form is the API contract (docs/API.md). The citizen's name and
// phone never enter the event log (events carry Booking.Logged), and the
// hall erases them some days after the slot (Settings.BookingRetentionDays).
type Booking struct {
	Code    string        `json:"code"`
	Service string        `json:"service"`
	Start   time.Time     `json:"start"`
	End     time.Time     `json:"end"`
	Status  BookingStatus `json:"status"`
	Name    string        `json:"name,omitempty"`
	Phone   string        `json:"phone,omitempty"`
	// Source is where the booking was made: "web" (the hall's /book page
	// or its API), or the importer ("portal" device name or "user:NAME").
	Source string `json:"source"`
	// ExternalID is the booking's id where it was made elsewhere (import).
	ExternalID  string     `json:"external_id,omitempty"`
	MadeAt      time.Time  `json:"made_at"`
	CheckedInAt *time.Time `json:"checked_in_at,omitempty"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	// CancelledBy says who cancelled it: CancelledByCitizen (with the
	// booking's secret) or CancelledByStaff; "" for a booking cancelled
	// before the hall recorded it.
	CancelledBy string `json:"cancelled_by,omitempty"`
	// TicketID is the ticket its check-in gave.
	TicketID string `json:"ticket_id,omitempty"`
	// Erased says its name and phone have been erased (retention passed).
	Erased bool `json:"erased,omitempty"`

	// Ticket is the ticket of a checked-in booking, in views for its holder.
	Ticket *Ticket `json:"ticket,omitempty"`
	// Secret lets the citizen follow and cancel the booking; it only
	// leaves the server inside StatusURL and CancelURL.
	Secret    string `json:"-"`
	StatusURL string `json:"status_url,omitempty"`
	CancelURL string `json:"cancel_url,omitempty"`
}

// Clone returns a deep copy.
func (b *Booking) Clone() *Booking {
	c := *b
	c.CheckedInAt = cloneTime(b.CheckedInAt)
	c.CancelledAt = cloneTime(b.CancelledAt)
	if b.Ticket != nil {
		c.Ticket = b.Ticket.Clone()
	}
	return &c
}

// Logged is the booking as the event log keeps it: no name, phone, secret
// or links, so that the log (which is never rewritten, and ships to the
// central store) holds no personal data.
func (b *Booking) Logged() *Booking {
	c := b.Clone()
	c.Name, c.Phone, c.Secret, c.StatusURL, c.CancelURL, c.Ticket = "", "", "", "", "", nil
	return c
}

// Masked is the booking as a manager sees it: the phone with its middle
// digits hidden (MaskPhone).
func (b *Booking) Masked() *Booking {
	c := b.Clone()
	c.Phone = MaskPhone(b.Phone)
	return c
}

// MaskPhone hides all but the first three and last three digits of a
// phone number: "0905123456" → "090****456".
func MaskPhone(p string) string {
	if len(p) <= 6 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-6) + p[len(p)-3:]
}

// NormalizePhone checks a Vietnamese phone number and gives it as ten
// digits starting with 0: spaces, dots and dashes are dropped, and +84 or
// 84 before the nine digits becomes 0. Mobile and landline numbers of
// Việt Nam have ten digits starting with 0 after that.
func NormalizePhone(field, p string) (string, error) {
	var d strings.Builder
	for i, r := range p {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case r == ' ' || r == '.' || r == '-':
		case r == '+' && i == 0:
		default:
			return "", fieldError(field, "%q: a phone number has only digits (e.g. 0905 123 456)", p)
		}
	}
	n := d.String()
	if strings.HasPrefix(p, "+") && !strings.HasPrefix(n, "84") {
		return "", fieldError(field, "%q: only Vietnamese numbers (+84…) are taken", p)
	}
	if strings.HasPrefix(n, "84") && len(n) == 11 {
		n = "0" + n[2:]
	}
	if len(n) != 10 || n[0] != '0' || n[1] == '0' {
		return "", fieldError(field, "%q: want a Vietnamese phone number of 10 digits starting with 0 (e.g. 0905 123 456)", p)
	}
	return n, nil
}

// BookingCodeAlphabet are the characters of a booking code: capital
// letters and digits that cannot be taken for one another when read out or
// typed (no 0/O, 1/I/L).
const BookingCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// BookingCodeLen is the length of a booking code.
const BookingCodeLen = 6

// NormalizeBookingCode is the code as typed or scanned, in capitals
// without spaces or dashes; EINVALID (field "code") when it cannot be one.
func NormalizeBookingCode(code string) (string, error) {
	c := strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(code)))
	if len(c) != BookingCodeLen {
		return "", fieldError("code", "%q: a booking code has %d letters and digits", code, BookingCodeLen)
	}
	for _, r := range c {
		if !strings.ContainsRune(BookingCodeAlphabet, r) {
			return "", fieldError("code", "%q: %q is not in a booking code", code, r)
		}
	}
	return c, nil
}

// Slot is one bookable slot of a service (GET /api/v1/bookings/slots).
type Slot struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Free  int       `json:"free"`
}

// SlotsAnswer is the answer of GET /api/v1/bookings/slots.
type SlotsAnswer struct {
	Service  string `json:"service"`
	Date     string `json:"date"`
	Capacity int    `json:"capacity"`
	Slots    []Slot `json:"slots"`
	// Closed says why the day has no slots: "holiday", "closed" (the
	// service is not open that day), "past" or "too_far".
	Closed string `json:"closed,omitempty"`
}

// BookingOffer is what a bookable service offers on a local day: its
// slots and the places in each, under its booking rules (event
// booking.offer). A day's last offer is the one the reports count.
type BookingOffer struct {
	Service string        `json:"service"`
	Day     string        `json:"day"` // YYYY-MM-DD, the hall's
	Slots   []OfferedSlot `json:"slots"`
}

// OfferedSlot is one slot of an offer and its places.
type OfferedSlot struct {
	Start    time.Time `json:"start"`
	Capacity int       `json:"capacity"`
}

// Equal reports whether two offers give the same slots and places.
func (o *BookingOffer) Equal(p *BookingOffer) bool {
	if o == nil || p == nil {
		return o == p
	}
	if o.Service != p.Service || o.Day != p.Day || len(o.Slots) != len(p.Slots) {
		return false
	}
	for i := range o.Slots {
		if !o.Slots[i].Start.Equal(p.Slots[i].Start) || o.Slots[i].Capacity != p.Slots[i].Capacity {
			return false
		}
	}
	return true
}

// BookingRequest is the body of POST /api/v1/bookings.
type BookingRequest struct {
	Service string    `json:"service"`
	Start   time.Time `json:"start"`
	Name    string    `json:"name"`
	Phone   string    `json:"phone"`
}

// BookingCancelRequest is the body of POST /api/v1/bookings/{code}/cancel
// for the citizen: the secret from the booking's cancel_url. Staff send
// none.
type BookingCancelRequest struct {
	Secret string `json:"secret,omitempty"`
}

// BookingImport is one booking made elsewhere (POST
// /api/v1/bookings/import); ExternalID is its id there.
type BookingImport struct {
	ExternalID string    `json:"external_id"`
	Service    string    `json:"service"`
	Start      time.Time `json:"start"`
	Name       string    `json:"name"`
	Phone      string    `json:"phone"`
}

// BookingImportAnswer says what an import did: one result per row, in
// order, and how many were new.
type BookingImportAnswer struct {
	Created   int                   `json:"created"`
	Unchanged int                   `json:"unchanged"`
	Results   []BookingImportResult `json:"results"`
}

// BookingImportResult is one imported row: its booking's code and
// whether this import made it.
type BookingImportResult struct {
	ExternalID string `json:"external_id"`
	Code       string `json:"code"`
	Created    bool   `json:"created"`
}

// BookingList is the answer of GET /api/v1/bookings (staff).
type BookingList struct {
	Bookings []*Booking `json:"bookings"`
}

// BookingCheckInRequest is the optional body of POST
// /api/v1/bookings/{code}/checkin: a kiosk asks for a print hold as it
// does when it issues (TicketRequest.HoldS).
type BookingCheckInRequest struct {
	HoldS int `json:"hold_s,omitempty"`
}

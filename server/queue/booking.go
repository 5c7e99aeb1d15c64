package queue

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hallq/hallq"
)

// Bookings (issue 19). The engine holds the bookings of yesterday, today
// and the days ahead, and the places taken in each slot: a booking is a
// command like any other, so the one goroutine that runs commands is what
// keeps a slot's capacity, however many citizens book at once, and a
// booking is answered only once its row and its event are committed.

// bookingBook is the engine's bookings.
type bookingBook struct {
	byCode   map[string]*hallq.Booking
	external map[string]*hallq.Booking // by ExternalID
	taken    map[slotKey]int           // active bookings per slot
	// offered is each service's last offer of the day (booking.offer),
	// kept in memory only: after a restart the hall records its offer
	// again, which the reports read the same (a day's last one counts).
	offered map[string]*hallq.BookingOffer
	// pending are, per service, the bookings not checked in yet (status
	// booked) per slot, in slot order, for the wait estimate (due.go);
	// shown and missed count the held bookings checked in and missed, for
	// the share of booked citizens who come.
	pending       map[string][]slotCount
	shown, missed int
}

type slotKey struct {
	service string
	start   int64 // Unix milliseconds
}

func keyOfBooking(b *hallq.Booking) slotKey { return slotKey{b.Service, b.Start.UnixMilli()} }

// BookRequest asks for a booking. Code and Secret are fresh random strings
// chosen by the caller (the engine stays free of randomness): a Code
// already taken is refused (ECONFLICT, reason "code_taken") and the caller
// draws another.
type BookRequest struct {
	Service string
	Start   time.Time
	Name    string
	Phone   string
	Code    string
	Secret  string
	// Source is where it was made ("web", or the importer).
	Source string
	// ExternalID is set for a booking made elsewhere (import): the same
	// ExternalID again returns the booking it made, changing nothing, and
	// the slot's capacity does not refuse it (it was promised already).
	ExternalID string
}

// Booking sources.
const SourceWeb = "web"

func (e *Engine) loadBookings(bs []hallq.Booking) {
	e.book = bookingBook{byCode: map[string]*hallq.Booking{}, external: map[string]*hallq.Booking{}, taken: map[slotKey]int{},
		offered: map[string]*hallq.BookingOffer{}, pending: map[string][]slotCount{}}
	for i := range bs {
		b := bs[i].Clone()
		b.Start, b.End = e.local(b.Start), e.local(b.End)
		e.addBooking(b)
	}
}

func (e *Engine) addBooking(b *hallq.Booking) {
	e.book.byCode[b.Code] = b
	if b.ExternalID != "" {
		e.book.external[b.ExternalID] = b
	}
	if b.Status.Active() {
		e.book.taken[keyOfBooking(b)]++
	}
	e.book.count(b, 1)
}

// FieldError is EINVALID about one field of a request: reason "field",
// Field set, the message starting with the field's name.
func FieldError(field, format string, args ...any) *hallq.Error {
	return &hallq.Error{Code: hallq.EINVALID, Reason: "field", Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// bookable finds a service that takes bookings: EINVALID naming the field
// "service" otherwise.
func (e *Engine) bookable(code string) (*hallq.Service, error) {
	s := e.services[code]
	if s == nil {
		return nil, FieldError("service", "no service %q", code)
	}
	if !s.Bookable() {
		return nil, FieldError("service", "service %s (%s) takes no bookings", s.Code, s.NameVI)
	}
	return s, nil
}

// SlotCapacity is how many bookings a slot of the service takes: its
// setting, or the suggestion when the setting is 0.
func (e *Engine) SlotCapacity(code string) int {
	s := e.services[code]
	if s == nil || s.Booking == nil {
		return 0
	}
	if s.Booking.Capacity > 0 {
		return s.Booking.Capacity
	}
	return e.SuggestedCapacity(code)
}

// SuggestedCapacity is hallq.SuggestCapacity for the service: the counters
// that serve it and its recent mean service time, with its slot length
// (the default slot for a service that takes no bookings yet).
func (e *Engine) SuggestedCapacity(code string) int {
	s := e.services[code]
	if s == nil {
		return 0
	}
	slot := hallq.DefaultSlotMin
	if s.Booking != nil {
		slot = s.Booking.SlotMin
	}
	n := 0
	for _, c := range e.byID {
		if slices.Contains(c.Services, code) {
			n++
		}
	}
	return hallq.SuggestCapacity(n, slot, e.meanServiceTime(code).Minutes())
}

// dayIntervals are the service's bookable intervals on a local date, in
// minutes after midnight: its opening hours that day (all day when it has
// none), cut at the hall's closing time.
func (e *Engine) dayIntervals(s *hallq.Service, day time.Time) [][2]int {
	var out [][2]int
	if len(s.Hours) == 0 {
		out = append(out, [2]int{0, 24 * 60})
	}
	for _, h := range s.Hours {
		if len(h.Days) > 0 && !slices.Contains(h.Days, day.Weekday()) {
			continue
		}
		o, _ := hallq.ParseClock(h.Open)
		c, _ := hallq.ParseClock(h.Close)
		out = append(out, [2]int{o, c})
	}
	if e.closeMin >= 0 {
		for i := range out {
			out[i][1] = min(out[i][1], e.closeMin)
		}
	}
	slices.SortFunc(out, func(a, b [2]int) int { return a[0] - b[0] })
	return out
}

// bookingDayClosed says why the service takes no bookings on the local date day
// (midnight), or "": "past", "too_far", "holiday".
func (e *Engine) bookingDayClosed(now time.Time, s *hallq.Service, day time.Time) string {
	today := e.midnight(e.local(now))
	switch {
	case day.Before(today):
		return "past"
	case day.After(today.AddDate(0, 0, s.Booking.DaysAhead)):
		return "too_far"
	case slices.Contains(e.settings.Holidays, day.Format(dayLayout)):
		return "holiday"
	}
	return ""
}

func (e *Engine) midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, e.loc)
}

// Slots lists a service's slots on a local date (YYYY-MM-DD) that start
// after now, with the places left in each. A day without slots says why
// (SlotsAnswer.Closed). EINVALID naming "service" or "date".
func (e *Engine) Slots(now time.Time, service, date string) (hallq.SlotsAnswer, error) {
	s, err := e.bookable(service)
	if err != nil {
		return hallq.SlotsAnswer{}, err
	}
	d, err := time.ParseInLocation(dayLayout, date, e.loc)
	if err != nil {
		return hallq.SlotsAnswer{}, FieldError("date", "%q is not a date (YYYY-MM-DD)", date)
	}
	capacity := e.SlotCapacity(service)
	out := hallq.SlotsAnswer{Service: s.Code, Date: date, Capacity: capacity, Slots: []hallq.Slot{}}
	if out.Closed = e.bookingDayClosed(now, s, d); out.Closed != "" {
		return out, nil
	}
	slot := s.Booking.SlotMin
	for _, iv := range e.dayIntervals(s, d) {
		for m := iv[0]; m+slot <= iv[1]; m += slot {
			start := d.Add(time.Duration(m) * time.Minute)
			if !start.After(now) {
				continue
			}
			free := max(0, capacity-e.book.taken[slotKey{s.Code, start.UnixMilli()}])
			out.Slots = append(out.Slots, hallq.Slot{Start: start, End: start.Add(time.Duration(slot) * time.Minute), Free: free})
		}
	}
	if len(out.Slots) == 0 && len(e.dayIntervals(s, d)) == 0 {
		out.Closed = "closed"
	}
	return out, nil
}

// checkSlot checks that start is the start of one of the service's slots
// that may be booked at now, and gives its end. EINVALID naming "start".
func (e *Engine) checkSlot(now time.Time, s *hallq.Service, start time.Time) (time.Time, error) {
	start = e.local(start)
	if !start.After(now) {
		return time.Time{}, FieldError("start", "%s has passed: choose a later slot", start.Format(time.RFC3339))
	}
	day := e.midnight(start)
	switch e.bookingDayClosed(now, s, day) {
	case "too_far":
		return time.Time{}, FieldError("start", "%s is more than %d days ahead", day.Format(dayLayout), s.Booking.DaysAhead)
	case "holiday":
		return time.Time{}, FieldError("start", "the hall is closed on %s (a holiday)", day.Format(dayLayout))
	}
	slot := s.Booking.SlotMin
	off := start.Sub(day)
	m := int(off / time.Minute)
	if off%time.Minute == 0 {
		for _, iv := range e.dayIntervals(s, day) {
			if m >= iv[0] && m+slot <= iv[1] && (m-iv[0])%slot == 0 {
				return start.Add(time.Duration(slot) * time.Minute), nil
			}
		}
	}
	return time.Time{}, FieldError("start", "%s is not the start of a slot of service %s (GET /api/v1/bookings/slots lists them)", start.Format(time.RFC3339), s.Code)
}

// Book makes a booking (see BookRequest). EINVALID naming the field for
// an unbookable service, a bad name or phone, or a start that is not a
// free slot ahead; ECONFLICT reason "slot_full" when the slot has no
// place left.
func (e *Engine) Book(now time.Time, req BookRequest, by Actor) (*hallq.Booking, *Change, error) {
	if req.ExternalID != "" {
		if b := e.book.external[req.ExternalID]; b != nil {
			return b.Clone(), nil, nil
		}
	}
	bk, err := e.checkBook(now, req)
	if err != nil {
		return nil, nil, err
	}
	if req.ExternalID == "" && e.book.taken[keyOfBooking(bk)] >= e.SlotCapacity(bk.Service) {
		return nil, nil, errReason(hallq.ECONFLICT, "slot_full",
			"Khung giờ %s đã hết chỗ, xin chọn giờ khác. The slot at %s is full: choose another.", bk.Start.Format("15:04 02/01"), bk.Start.Format("15:04 on 2 Jan"))
	}
	b := e.begin(now, actorName(by))
	e.putBooking(b, bk)
	return bk.Clone(), b.done(), nil
}

// checkBook checks a request and gives the booking it would make.
func (e *Engine) checkBook(now time.Time, req BookRequest) (*hallq.Booking, error) {
	s, err := e.bookable(req.Service)
	if err != nil {
		return nil, err
	}
	if err := hallq.CheckName("name", req.Name, hallq.MaxNameLen); err != nil {
		return nil, err
	}
	phone, err := hallq.NormalizePhone("phone", req.Phone)
	if err != nil {
		return nil, err
	}
	end, err := e.checkSlot(now, s, req.Start)
	if err != nil {
		return nil, err
	}
	if req.Code == "" || req.Secret == "" {
		return nil, hallq.Errorf(hallq.EINTERNAL, "queue: a booking needs a code and a secret")
	}
	if e.book.byCode[req.Code] != nil {
		return nil, errReason(hallq.ECONFLICT, "code_taken", "booking code %s is taken", req.Code)
	}
	source := req.Source
	if source == "" {
		source = SourceWeb
	}
	return &hallq.Booking{Code: req.Code, Service: s.Code, Start: e.local(req.Start), End: e.local(end), Status: hallq.BookingBooked,
		Name: req.Name, Phone: phone, Source: source, ExternalID: req.ExternalID, Secret: req.Secret}, nil
}

// putBooking adds a new booking in batch b, with its row and its event.
func (e *Engine) putBooking(b *batch, bk *hallq.Booking) {
	bk.MadeAt = b.at
	e.addBooking(bk)
	b.ch.Bookings = append(b.ch.Bookings, bk.Clone())
	b.emit(hallq.Event{Type: hallq.EventBookingMade, Booking: bk.Logged()})
}

// ImportBookings takes bookings made elsewhere, all or none: a row whose
// ExternalID the hall knows already is left as it is; every other row must
// make a booking (EINVALID naming the row and its field otherwise), and
// the slots' capacity does not refuse them. The result says, per row,
// which booking it is and whether this import made it.
func (e *Engine) ImportBookings(now time.Time, rows []BookRequest, by Actor) (hallq.BookingImportAnswer, *Change, error) {
	out := hallq.BookingImportAnswer{Results: make([]hallq.BookingImportResult, len(rows))}
	var fresh []*hallq.Booking
	seen := map[string]int{}
	codes := map[string]bool{}
	for i, r := range rows {
		if r.ExternalID == "" {
			return out, nil, FieldError(fmt.Sprintf("rows[%d].external_id", i), "is required")
		}
		if j, ok := seen[r.ExternalID]; ok {
			return out, nil, FieldError(fmt.Sprintf("rows[%d].external_id", i), "%q is also row %d", r.ExternalID, j)
		}
		seen[r.ExternalID] = i
		if old := e.book.external[r.ExternalID]; old != nil {
			out.Results[i] = hallq.BookingImportResult{ExternalID: r.ExternalID, Code: old.Code}
			out.Unchanged++
			continue
		}
		bk, err := e.checkBook(now, r)
		if err == nil && codes[r.Code] {
			err = errReason(hallq.ECONFLICT, "code_taken", "booking code %s is taken", r.Code)
		}
		if err != nil {
			var he *hallq.Error
			if errors.As(err, &he) {
				c := *he
				c.Message = fmt.Sprintf("row %d (external_id %s): %s", i+1, r.ExternalID, he.Message)
				if c.Field != "" {
					c.Field = fmt.Sprintf("rows[%d].%s", i, c.Field)
				}
				return out, nil, &c
			}
			return out, nil, err
		}
		codes[r.Code] = true
		fresh = append(fresh, bk)
		out.Results[i] = hallq.BookingImportResult{ExternalID: r.ExternalID, Code: bk.Code, Created: true}
		out.Created++
	}
	if len(fresh) == 0 {
		return out, nil, nil
	}
	b := e.begin(now, actorName(by))
	for _, bk := range fresh {
		e.putBooking(b, bk)
	}
	return out, b.done(), nil
}

// BookingOf is a booking as its holder sees it: with its ticket's live
// view once checked in. ENOTFOUND for a code the engine does not hold.
func (e *Engine) BookingOf(now time.Time, code string) (*hallq.Booking, error) {
	b := e.book.byCode[code]
	if b == nil {
		return nil, hallq.Errorf(hallq.ENOTFOUND, "no booking %s", code)
	}
	out := b.Clone()
	if t := e.tickets[b.TicketID]; t != nil {
		out.Ticket = e.view(now, t)
	}
	return out, nil
}

// SecretMatches reports whether secret is the booking's, in constant time.
func SecretMatches(b *hallq.Booking, secret string) bool {
	return secret != "" && subtle.ConstantTimeCompare([]byte(b.Secret), []byte(secret)) == 1
}

// CancelBooking cancels a booking, freeing its place: its holder with its
// secret, or staff (by.User). A cancelled booking is answered as it is
// (nil Change). ENOTFOUND for an unknown code, EFORBIDDEN for a wrong
// secret, ECONFLICT (reason "checked_in" or "no_show") for a booking that
// is past cancelling.
func (e *Engine) CancelBooking(now time.Time, code, secret string, by Actor) (*hallq.Booking, *Change, error) {
	bk := e.book.byCode[code]
	if bk == nil {
		return nil, nil, hallq.Errorf(hallq.ENOTFOUND, "no booking %s", code)
	}
	if by.User == "" && !SecretMatches(bk, secret) {
		return nil, nil, hallq.Errorf(hallq.EFORBIDDEN, "booking %s: the secret does not match (use the cancel link given with the booking)", code)
	}
	switch bk.Status {
	case hallq.BookingCancelled:
		return bk.Clone(), nil, nil
	case hallq.BookingCheckedIn:
		return nil, nil, errReason(hallq.ECONFLICT, "checked_in", "booking %s is checked in already: cancel its ticket instead", code)
	case hallq.BookingNoShow:
		return nil, nil, errReason(hallq.ECONFLICT, "no_show", "booking %s was missed (its check-in time is over)", code)
	}
	b := e.begin(now, actorName(by))
	e.book.count(bk, -1)
	bk.Status = hallq.BookingCancelled
	bk.CancelledAt = new(b.at)
	bk.CancelledBy = hallq.CancelledByCitizen
	if by.User != "" {
		bk.CancelledBy = hallq.CancelledByStaff
	}
	e.book.taken[keyOfBooking(bk)]--
	b.ch.Bookings = append(b.ch.Bookings, bk.Clone())
	b.emit(hallq.Event{Type: hallq.EventBookingCancelled, Booking: bk.Logged()})
	return bk.Clone(), b.done(), nil
}

// CheckInRequest checks a booking in at a kiosk: the ticket it gets has
// the fresh ID and Secret, the Device as issuer, and the print Hold.
type CheckInRequest struct {
	Code   string
	Device string
	ID     string
	Secret string
	Hold   time.Duration
}

// CheckIn gives a booked citizen their ticket, which carries the booking's
// code and slot (Ticket.Booking, Ticket.SlotAt). The same code again
// returns the same ticket with created false and a nil Change (a kiosk
// may retry). ENOTFOUND for an unknown code; ECONFLICT with reason
// "cancelled", "too_early" (before the check-in window) or "too_late"
// (after it, or missed); what Issue refuses (the service closed, its
// numbers used up) likewise.
func (e *Engine) CheckIn(now time.Time, req CheckInRequest) (t *hallq.Ticket, created bool, ch *Change, err error) {
	bk := e.book.byCode[req.Code]
	if bk == nil {
		return nil, false, nil, hallq.Errorf(hallq.ENOTFOUND, "Không có lịch hẹn mã %s. No booking %s.", req.Code, req.Code)
	}
	s := e.services[bk.Service]
	switch bk.Status {
	case hallq.BookingCheckedIn:
		t := e.tickets[bk.TicketID]
		if t == nil {
			return nil, false, nil, errReason(hallq.ECONFLICT, "checked_in", "booking %s was checked in on %s", bk.Code, bk.CheckedInAt.Format(dayLayout))
		}
		// A ticket the kiosk could not print was never in the citizen's
		// hand: checking in again (within the window) gives a new one
		// rather than answering with the cancelled ticket.
		if t.State != hallq.StateCancelled || t.Reason != hallq.ReasonPrintFailed {
			return e.view(now, t), false, nil, nil
		}
	case hallq.BookingCancelled:
		return nil, false, nil, refusedFor(bk, "cancelled", "Lịch hẹn %s đã bị huỷ. Booking %s was cancelled.", bk.Code, bk.Code)
	}
	opens, closes := e.checkInWindow(s, bk)
	local := e.local(now)
	switch {
	case bk.Status == hallq.BookingNoShow || local.After(closes):
		return nil, false, nil, refusedFor(bk, "too_late",
			"Đã quá giờ hẹn %s (nhận số đến %s): xin lấy số thường. The check-in for %s closed at %s: take a walk-in ticket.",
			bk.Start.Format("15:04"), closes.Format("15:04"), bk.Start.Format("15:04"), closes.Format("15:04"))
	case local.Before(opens):
		return nil, false, nil, refusedFor(bk, "too_early",
			"Chưa đến giờ nhận số cho lịch hẹn %s: xin quay lại từ %s. Check-in for %s opens at %s.",
			bk.Start.Format("15:04 02/01"), opens.Format("15:04"), bk.Start.Format("15:04 on 2 Jan"), opens.Format("15:04"))
	}
	t, ch, err = e.Issue(now, IssueRequest{Service: bk.Service, Device: req.Device, ID: req.ID, Secret: req.Secret,
		Hold: req.Hold, Booking: bk.Code, SlotAt: bk.Start})
	if err != nil {
		return nil, false, nil, err
	}
	b := e.begin(now, issuerActor(req.Device))
	e.book.count(bk, -1)
	bk.Status = hallq.BookingCheckedIn
	e.book.count(bk, 1)
	bk.CheckedInAt = new(b.at)
	bk.TicketID = t.ID
	b.ch.Bookings = append(b.ch.Bookings, bk.Clone())
	b.emit(hallq.Event{Type: hallq.EventBookingCheckedIn, Booking: bk.Logged()})
	more := b.done()
	ch.Bookings = append(ch.Bookings, more.Bookings...)
	ch.Events = append(ch.Events, more.Events...)
	return t, true, ch, nil
}

// refusedFor is a check-in of booking bk refused (ECONFLICT) for reason,
// naming the booking's service: a kiosk offers an ordinary number for it.
func refusedFor(bk *hallq.Booking, reason, format string, args ...any) error {
	err := hallq.Errorf(hallq.ECONFLICT, format, args...)
	err.Reason, err.Service = reason, bk.Service
	return err
}

// checkInWindow is when the booking may be checked in, in the hall's zone.
func (e *Engine) checkInWindow(s *hallq.Service, bk *hallq.Booking) (opens, closes time.Time) {
	rules := hallq.DefaultBookingSettings()
	if s != nil && s.Booking != nil {
		rules = *s.Booking
	}
	return bk.Start.Add(-time.Duration(rules.CheckInBeforeMin) * time.Minute), bk.Start.Add(time.Duration(rules.CheckInAfterMin) * time.Minute)
}

// ExpireBookings marks the bookings whose check-in window has closed
// unchecked as missed (booking.no_show), and forgets those of days before
// yesterday, which the store keeps. Nil when nothing changed.
func (e *Engine) ExpireBookings(now time.Time) *Change {
	local := e.local(now)
	forget := e.midnight(local).AddDate(0, 0, -1)
	var missed []*hallq.Booking
	for code, bk := range e.book.byCode {
		if bk.Start.Before(forget) && bk.Status != hallq.BookingBooked {
			e.book.count(bk, -1)
			delete(e.book.byCode, code)
			if bk.ExternalID != "" {
				delete(e.book.external, bk.ExternalID)
			}
			if bk.Status.Active() {
				k := keyOfBooking(bk)
				if e.book.taken[k]--; e.book.taken[k] <= 0 {
					delete(e.book.taken, k)
				}
			}
			continue
		}
		if bk.Status == hallq.BookingBooked {
			if _, closes := e.checkInWindow(e.services[bk.Service], bk); local.After(closes) {
				missed = append(missed, bk)
			}
		}
	}
	if len(missed) == 0 {
		return nil
	}
	slices.SortFunc(missed, func(a, b *hallq.Booking) int {
		return cmpTimeThen(a.Start, b.Start, a.Code, b.Code)
	})
	b := e.begin(now, "system")
	for _, bk := range missed {
		e.book.count(bk, -1)
		bk.Status = hallq.BookingNoShow
		e.book.count(bk, 1)
		e.book.taken[keyOfBooking(bk)]--
		b.ch.Bookings = append(b.ch.Bookings, bk.Clone())
		b.emit(hallq.Event{Type: hallq.EventBookingNoShow, Booking: bk.Logged()})
	}
	return b.done()
}

// OfferBookings records what each bookable service offers on the hall's
// day — its slots and the places in each (SlotCapacity), under its rules
// now — as a booking.offer event, when that differs from the last one it
// recorded: when the day begins, after a restart, and after a change of
// the rules, the holidays or the hours, or of a suggested capacity. A
// service that stopped taking bookings during the day offers no slots
// from then. Nil when nothing changed.
func (e *Engine) OfferBookings(now time.Time) *Change {
	if e.day == "" {
		return nil
	}
	day, err := time.ParseInLocation(dayLayout, e.day, e.loc)
	if err != nil {
		return nil
	}
	var fresh []*hallq.BookingOffer
	for _, code := range slices.Sorted(maps.Keys(e.services)) {
		s := e.services[code]
		o := &hallq.BookingOffer{Service: code, Day: e.day, Slots: []hallq.OfferedSlot{}}
		if s.Bookable() && !slices.Contains(e.settings.Holidays, e.day) {
			capacity, slot := e.SlotCapacity(code), s.Booking.SlotMin
			for _, iv := range e.dayIntervals(s, day) {
				for m := iv[0]; m+slot <= iv[1]; m += slot {
					o.Slots = append(o.Slots, hallq.OfferedSlot{Start: day.Add(time.Duration(m) * time.Minute), Capacity: capacity})
				}
			}
		}
		last := e.book.offered[code]
		if o.Equal(last) || (last == nil || last.Day != e.day) && !s.Bookable() {
			continue
		}
		fresh = append(fresh, o)
	}
	for code, o := range e.book.offered {
		if e.services[code] == nil && o.Day == e.day && len(o.Slots) > 0 {
			fresh = append(fresh, &hallq.BookingOffer{Service: code, Day: e.day, Slots: []hallq.OfferedSlot{}}) // a service removed
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	b := e.begin(now, "system")
	for _, o := range fresh {
		e.book.offered[o.Service] = o
		b.emit(hallq.Event{Type: hallq.EventBookingOffer, Offer: o})
	}
	return b.done()
}

func cmpTimeThen(a, b time.Time, x, y string) int {
	if c := a.Compare(b); c != 0 {
		return c
	}
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// ErasePersonalData forgets the name and phone of the booking the engine
// holds under code (the store erases its row: the caller does that first,
// so that a crash in between leaves them erased). Nothing is logged: the
// log never held them.
func (e *Engine) ErasePersonalData(code string) {
	if b := e.book.byCode[code]; b != nil {
		b.Name, b.Phone, b.Erased = "", "", true
	}
}

// Bookings lists the bookings the engine holds (yesterday's, today's and
// those ahead) of a local date, in slot order.
func (e *Engine) Bookings(date string) []*hallq.Booking {
	var out []*hallq.Booking
	for _, b := range e.book.byCode {
		if b.Start.Format(dayLayout) == date {
			out = append(out, b.Clone())
		}
	}
	slices.SortFunc(out, func(a, b *hallq.Booking) int { return cmpTimeThen(a.Start, b.Start, a.Code, b.Code) })
	return out
}

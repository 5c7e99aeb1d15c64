package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/hall"
	"github.com/hallq/hallq/server/queue"
	"github.com/hallq/hallq/server/sqlite"
)

// Bookings (issue 19): the public slots and booking routes, the citizen's
// cancel and status, the kiosk's check-in, the import of bookings made
// elsewhere, the staff's list, and the chores that mark missed bookings and
// erase personal data.

// The booking rate per client address: a family books a few, a script
// filling the hall's slots is stopped.
const (
	bookBurst = 10
	bookEvery = 30 * time.Second
)

// maxImportRows bounds one import.
const maxImportRows = 5000

// SetBookingRate sets how many bookings one address may make at once
// (burst) and how fast it may go on (one every every).
func (s *Server) SetBookingRate(burst int, every time.Duration) {
	s.bookLimit = newRateLimiter(burst, every)
}

// newBookingCode is a random booking code (hallq.BookingCodeAlphabet).
func newBookingCode() string {
	var b [hallq.BookingCodeLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	a := hallq.BookingCodeAlphabet
	for i := range b {
		b[i] = a[int(b[i])%len(a)]
	}
	return string(b[:])
}

// withBookingURLs fills in the citizen's links: the status page and the
// cancel page, each with the booking's secret.
func (s *Server) withBookingURLs(r *http.Request, b *hallq.Booking) *hallq.Booking {
	base := s.baseURL(r) + "/book/" + url.PathEscape(b.Code) + "?k=" + url.QueryEscape(b.Secret)
	b.StatusURL = base
	b.CancelURL = base + "&cancel=1"
	if b.Ticket != nil {
		s.withStatusURL(r, b.Ticket)
	}
	return b
}

// baseURL is how citizens' phones reach the server: base_url, or the
// address the caller used.
func (s *Server) baseURL(r *http.Request) string {
	base := s.Hall.Settings().BaseURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return strings.TrimRight(base, "/")
}

// getSlots serves GET /api/v1/bookings/slots?service=A&date=YYYY-MM-DD.
func (s *Server) getSlots(w http.ResponseWriter, r *http.Request, _ hallq.Principal) error {
	q := r.URL.Query()
	service, date := q.Get("service"), q.Get("date")
	if service == "" {
		return queue.FieldError("service", "is required (?service=A)")
	}
	if date == "" {
		return queue.FieldError("date", "is required (?date=YYYY-MM-DD)")
	}
	var out hallq.SlotsAnswer
	var err error
	s.Hall.View(func(e *queue.Engine, now time.Time) { out, err = e.Slots(now, service, date) })
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

// book serves POST /api/v1/bookings: anyone, rate limited per address.
func (s *Server) book(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	ip := s.api.ClientIP(r)
	if ok, wait := s.bookLimit.allow(ip, time.Now()); !ok {
		secs := max(1, int(math.Ceil(wait.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		api.WriteJSON(w, http.StatusTooManyRequests, hallq.NewErrorBody(&hallq.Error{Code: hallq.EUNAVAILABLE, Reason: "rate_limited",
			Message: fmt.Sprintf("Quá nhiều lượt đặt lịch từ địa chỉ này, xin thử lại sau %d giây. Too many bookings from %s; try again in %d s.", secs, ip, secs)}))
		return nil
	}
	var req hallq.BookingRequest
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	switch {
	case req.Service == "":
		return queue.FieldError("service", "is required")
	case req.Start.IsZero():
		return queue.FieldError("start", "is required (the start of a slot, RFC 3339)")
	case req.Name == "":
		return queue.FieldError("name", "is required")
	case req.Phone == "":
		return queue.FieldError("phone", "is required")
	}
	b, err := s.makeBooking(r.Context(), queue.BookRequest{Service: req.Service, Start: req.Start, Name: req.Name, Phone: req.Phone}, actorOf(p))
	if err != nil {
		return err
	}
	s.Logger.Info("booking made", "code", b.Code, "service", b.Service, "start", b.Start.Format(time.RFC3339), "remote", ip)
	api.WriteJSON(w, http.StatusCreated, s.withBookingURLs(r, b))
	return nil
}

// makeBooking books with a fresh code, drawing again in the rare case
// that the code is taken.
func (s *Server) makeBooking(ctx context.Context, req queue.BookRequest, by queue.Actor) (*hallq.Booking, error) {
	for range 5 {
		req.Code = newBookingCode()
		_, req.Secret = hall.NewTicketID()
		res, err := s.Hall.Do(ctx, func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
			return e.Book(now, req, by)
		})
		if hallq.ErrorReason(err) == "code_taken" {
			continue
		}
		if err != nil {
			return nil, err
		}
		return res.(*hallq.Booking), nil
	}
	return nil, hallq.Errorf(hallq.EINTERNAL, "no free booking code after 5 draws")
}

// booking finds a booking: the engine's (with its live ticket), or the
// store's for one of an earlier day.
func (s *Server) booking(ctx context.Context, code string) (*hallq.Booking, error) {
	code, err := hallq.NormalizeBookingCode(code)
	if err != nil {
		return nil, hallq.Errorf(hallq.ENOTFOUND, "no booking %q", code)
	}
	var b *hallq.Booking
	s.Hall.View(func(e *queue.Engine, now time.Time) { b, err = e.BookingOf(now, code) })
	if hallq.ErrorCode(err) == hallq.ENOTFOUND {
		b, err = s.Store.BookingByCode(ctx, code, s.Hall.Location())
	}
	return b, err
}

// getBooking serves GET /api/v1/bookings/{code}: its holder (?k=SECRET)
// or staff.
func (s *Server) getBooking(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	b, err := s.booking(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	k := r.URL.Query().Get("k")
	switch {
	case p.User != nil:
		b = s.forStaff(b, p.User)
	case k == "":
		return hallq.Errorf(hallq.EUNAUTHORIZED, "add the booking's secret (?k=…) from its link, or sign in")
	case !queue.SecretMatches(b, k):
		return hallq.Errorf(hallq.EFORBIDDEN, "wrong secret for booking %s", b.Code)
	}
	api.WriteJSON(w, http.StatusOK, s.withBookingURLs(r, b))
	return nil
}

// forStaff is a booking as a member of staff sees it: an admin whole,
// everyone else with the phone masked.
func (s *Server) forStaff(b *hallq.Booking, u *hallq.User) *hallq.Booking {
	if u.Role == hallq.RoleAdmin {
		return b
	}
	return b.Masked()
}

// cancelBooking serves POST /api/v1/bookings/{code}/cancel: the citizen
// with the secret of the cancel link, or staff.
func (s *Server) cancelBooking(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var req hallq.BookingCancelRequest
	if r.ContentLength != 0 {
		if err := api.Decode(r, &req); err != nil {
			return err
		}
	}
	if p.User == nil && req.Secret == "" {
		return hallq.Errorf(hallq.EUNAUTHORIZED, "send the secret from the booking's cancel link ({\"secret\":\"…\"}), or sign in")
	}
	code, err := hallq.NormalizeBookingCode(r.PathValue("code"))
	if err != nil {
		return hallq.Errorf(hallq.ENOTFOUND, "no booking %q", r.PathValue("code"))
	}
	res, err := s.Hall.Do(r.Context(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		return e.CancelBooking(now, code, req.Secret, actorOf(p))
	})
	if err != nil {
		return err
	}
	b := res.(*hallq.Booking)
	if p.User != nil {
		b = s.forStaff(b, p.User)
	}
	api.WriteJSON(w, http.StatusOK, s.withBookingURLs(r, b))
	return nil
}

// checkIn serves POST /api/v1/bookings/{code}/checkin for a kiosk (or
// staff): 201 and the new ticket, 200 and the same ticket again.
func (s *Server) checkIn(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var req hallq.BookingCheckInRequest
	if r.ContentLength != 0 {
		if err := api.Decode(r, &req); err != nil {
			return err
		}
	}
	if maxS := int(queue.MaxHold / time.Second); req.HoldS < 0 || req.HoldS > maxS {
		return queue.FieldError("hold_s", "%d: it must be between 0 and %d seconds", req.HoldS, maxS)
	}
	code, err := hallq.NormalizeBookingCode(r.PathValue("code"))
	if err != nil {
		return err
	}
	device := ""
	if p.Device != nil {
		device = p.Device.Name
	} else {
		device = "user:" + p.User.Username
	}
	if err := s.clockSane(s.Hall.Now()); err != nil {
		return err
	}
	id, secret := hall.NewTicketID()
	type result struct {
		t       *hallq.Ticket
		created bool
	}
	res, err := s.Hall.Do(r.Context(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
		t, created, ch, err := e.CheckIn(now, queue.CheckInRequest{Code: code, Device: device, ID: id, Secret: secret,
			Hold: time.Duration(req.HoldS) * time.Second})
		return result{t, created}, ch, err
	})
	if err != nil {
		return err
	}
	out := res.(result)
	status := http.StatusOK
	if out.created {
		status = http.StatusCreated
		s.Logger.Info("booking checked in", "code", code, "ticket", out.t.Label, "device", device)
	}
	api.WriteJSON(w, status, s.withStatusURL(r, out.t))
	return nil
}

// eraseBooking serves POST /api/v1/bookings/{code}/erase for an admin:
// the citizen asked that their name and phone be erased before the
// retention ends. The booking stays, for the counts.
func (s *Server) eraseBooking(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	code, err := hallq.NormalizeBookingCode(r.PathValue("code"))
	if err != nil {
		return hallq.Errorf(hallq.ENOTFOUND, "no booking %q", r.PathValue("code"))
	}
	if err := s.Store.EraseBooking(r.Context(), code, s.Hall.Now()); err != nil {
		return err
	}
	if _, err := s.Hall.Do(r.Context(), func(e *queue.Engine, _ time.Time) (any, *queue.Change, error) {
		e.ErasePersonalData(code)
		return nil, nil, nil
	}); err != nil {
		return err
	}
	s.Logger.Info("booking personal data erased on request", "code", code, "by", p.User.Username)
	b, err := s.booking(r.Context(), code)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, b)
	return nil
}

// listBookings serves GET /api/v1/bookings?day=&service=&status=&q= for
// staff: phones masked but for admins.
func (s *Server) listBookings(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	q := r.URL.Query()
	f := sqlite.BookingFilter{Day: q.Get("day"), Service: q.Get("service"), Status: hallq.BookingStatus(q.Get("status")), Query: q.Get("q")}
	if f.Day != "" {
		if _, err := time.Parse(time.DateOnly, f.Day); err != nil {
			return queue.FieldError("day", "%q is not a date (YYYY-MM-DD)", f.Day)
		}
	}
	if f.Status != "" && !hallq.ValidBookingStatus(f.Status) {
		return queue.FieldError("status", "%q: want booked, checked_in, cancelled or no_show", f.Status)
	}
	if len(f.Query) > 64 {
		return queue.FieldError("q", "at most 64 characters")
	}
	bs, err := s.Store.Bookings(r.Context(), f, s.Hall.Location())
	if err != nil {
		return err
	}
	out := hallq.BookingList{Bookings: make([]*hallq.Booking, 0, len(bs))}
	for i := range bs {
		out.Bookings = append(out.Bookings, s.forStaff(&bs[i], p.User))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

// importBookings serves POST /api/v1/bookings/import for an admin or a
// portal device: JSON ({"bookings":[…]}) or CSV (text/csv, a header row
// naming external_id, service, start, name, phone).
func (s *Server) importBookings(w http.ResponseWriter, r *http.Request, p hallq.Principal) error {
	var rows []hallq.BookingImport
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "text/csv" {
		var err error
		if rows, err = readImportCSV(r.Body, s.Hall.Location()); err != nil {
			return err
		}
	} else {
		var body struct {
			Bookings []hallq.BookingImport `json:"bookings"`
		}
		if err := api.Decode(r, &body); err != nil {
			return err
		}
		rows = body.Bookings
	}
	if len(rows) == 0 {
		return queue.FieldError("bookings", "no bookings to import")
	}
	if len(rows) > maxImportRows {
		return queue.FieldError("bookings", "%d rows: at most %d at once", len(rows), maxImportRows)
	}
	by := actorOf(p)
	source := "user:" + by.User
	if by.Device != "" {
		source = by.Device
	}
	for range 5 {
		reqs := make([]queue.BookRequest, len(rows))
		for i, b := range rows {
			_, secret := hall.NewTicketID()
			reqs[i] = queue.BookRequest{Service: b.Service, Start: b.Start, Name: b.Name, Phone: b.Phone,
				ExternalID: b.ExternalID, Source: source, Code: newBookingCode(), Secret: secret}
		}
		res, err := s.Hall.Do(r.Context(), func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
			return e.ImportBookings(now, reqs, by)
		})
		if hallq.ErrorReason(err) == "code_taken" {
			continue
		}
		if err != nil {
			return err
		}
		out := res.(hallq.BookingImportAnswer)
		s.Logger.Info("bookings imported", "by", source, "created", out.Created, "unchanged", out.Unchanged)
		api.WriteJSON(w, http.StatusOK, out)
		return nil
	}
	return hallq.Errorf(hallq.EINTERNAL, "no free booking codes after 5 draws")
}

// importColumns are the CSV import's columns.
var importColumns = []string{"external_id", "service", "start", "name", "phone"}

// readImportCSV reads an import's CSV: a header row naming the columns in
// any order (others are ignored), a start as RFC 3339 or as the hall's
// local "YYYY-MM-DD HH:MM". A byte-order mark (Excel's) is skipped.
func readImportCSV(body io.Reader, loc *time.Location) ([]hallq.BookingImport, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, queue.FieldError("csv", "no header row (%s)", strings.Join(importColumns, ","))
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, c := range importColumns {
		if _, ok := col[c]; !ok {
			return nil, queue.FieldError("csv", "the header has no column %q (want %s)", c, strings.Join(importColumns, ","))
		}
	}
	var out []hallq.BookingImport
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, queue.FieldError("csv", "line %d: %v", line, err)
		}
		get := func(c string) string {
			if i := col[c]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		start, err := time.Parse(time.RFC3339, get("start"))
		if err != nil {
			start, err = time.ParseInLocation("2006-01-02 15:04", get("start"), loc)
		}
		if err != nil {
			return nil, queue.FieldError("start", "line %d: %q is not a time (YYYY-MM-DD HH:MM, or RFC 3339)", line, get("start"))
		}
		out = append(out, hallq.BookingImport{ExternalID: get("external_id"), Service: get("service"), Start: start, Name: get("name"), Phone: get("phone")})
		if len(out) > maxImportRows {
			return nil, queue.FieldError("csv", "more than %d rows: import them in parts", maxImportRows)
		}
	}
}

// The booking chores run once a minute of the hall's clock, not of the
// machine's: under -sim-clock, or a test's clock, a day moved forward is
// seen as soon as the clock has moved. The hall's clock is looked at every
// bookingChoresPoll of real time, and at once when the simulation clock
// is set (POST /api/v1/sim/clock).
const (
	bookingChoresEvery = time.Minute
	bookingChoresPoll  = time.Second
)

// BookingChores marks the bookings whose check-in time is over as missed,
// records what the bookable services offer today (booking.offer, for the
// reports' capacity) and erases the name and phone of bookings whose slot
// ended more than the hall's retention days ago.
func (s *Server) BookingChores(ctx context.Context) error {
	for _, chore := range []func(*queue.Engine, time.Time) *queue.Change{(*queue.Engine).ExpireBookings, (*queue.Engine).OfferBookings} {
		if _, err := s.Hall.Do(ctx, func(e *queue.Engine, now time.Time) (any, *queue.Change, error) {
			return nil, chore(e, now), nil
		}); err != nil {
			return err
		}
	}
	now := s.Hall.Now()
	days := s.Hall.Settings().BookingRetentionDays
	if days <= 0 {
		days = hallq.DefaultRetentionDays
	}
	n, err := s.Store.EraseBookingData(ctx, now.AddDate(0, 0, -days), now)
	if err != nil {
		return err
	}
	if n > 0 {
		s.Logger.Info("booking personal data erased", "bookings", n, "retention_days", days)
	}
	return nil
}

// RunBookingChores runs BookingChores at once, then whenever the hall's
// clock has moved on a minute (or gone back) since the last run, until
// ctx ends.
func (s *Server) RunBookingChores(ctx context.Context) {
	poll := time.NewTicker(bookingChoresPoll)
	defer poll.Stop()
	var last time.Time
	for {
		if now := s.Hall.Now(); last.IsZero() || now.Sub(last) >= bookingChoresEvery || now.Before(last) {
			last = now
			if err := s.BookingChores(ctx); err != nil && ctx.Err() == nil {
				s.Logger.Warn("booking chores", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		case <-s.clockMoved:
		}
	}
}

// nudgeChores tells RunBookingChores that the hall's clock was set.
func (s *Server) nudgeChores() {
	select {
	case s.clockMoved <- struct{}{}:
	default:
	}
}

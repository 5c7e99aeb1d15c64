package kiosk

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/internal/pause"
	"github.com/hallq/hallq/printer"
)

// Checking a booking in: a citizen who booked a time online shows its code
// at the kiosk — typed on the touch page's keypad, or read by a QR scanner
// (in keyboard mode into the same keypad, or on a serial port on a button
// kiosk) — and gets the ticket the server gives for it, printed as any
// other with the line "Lịch hẹn 08:15".

// ReasonBadCode is the kiosk's own refusal of a check-in: what was typed or
// scanned is not a booking code, so the server was not asked.
const ReasonBadCode = "bad_code"

// The server's refusals of a check-in (Result.ServerReason). The kiosk
// offers a walk-in ticket after BookingTooLate and BookingCancelled.
const (
	BookingTooEarly  = "too_early"
	BookingTooLate   = "too_late"
	BookingCancelled = "cancelled"
	BookingUnknown   = "unknown_code" // 404: no booking has this code
)

// BookingCode reads a booking code from what was typed or scanned: the
// code itself in any case, with spaces or dashes ("k7m2-qx"), or a link
// that carries it (the booking's page: …/book/K7M2QX?k=…, or ?code=K7M2QX).
// ok is false for anything else.
func BookingCode(s string) (code string, ok bool) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", false
		}
		if c := u.Query().Get("code"); c != "" {
			s = c
		} else {
			p := strings.TrimRight(u.Path, "/")
			s = p[strings.LastIndex(p, "/")+1:]
		}
	}
	code, err := hallq.NormalizeBookingCode(s)
	return code, err == nil
}

// CheckIn checks the booking whose code was typed or scanned in, as the
// touch page asks, and waits for the outcome: the ticket printed, or why
// not (ReasonBadCode, or ReasonRefused with the server's reason).
func (k *Kiosk) CheckIn(ctx context.Context, typed string) Result {
	code, ok := BookingCode(typed)
	if !ok {
		return Result{Reason: ReasonBadCode, Err: errBadCode}
	}
	return k.await(ctx, &request{booking: code, edge: k.now(), done: make(chan Result, 1)})
}

var errBadCode = fmt.Errorf("kiosk: not a booking code (%d letters and digits, e.g. K7M2QX)", hallq.BookingCodeLen)

// checkIn posts the check-in until the server answers or the issue
// deadline passes. The code is its own idempotency key: the server gives
// the same ticket for the same code again, so a retry never makes two, and
// a check-in whose answer was lost needs nothing cancelled (the citizen
// shows the code again and gets that ticket).
func (k *Kiosk) checkIn(ctx context.Context, code string) (*hallq.Ticket, error) {
	ctx, cancel := context.WithTimeout(ctx, k.cfg.IssueDeadline)
	defer cancel()
	wait := k.retry
	for {
		token := k.kioskToken()
		t, _, err := k.client.CheckIn(ctx, token, code, hallq.BookingCheckInRequest{HoldS: k.holdSeconds()})
		k.reached(err)
		k.refused(k.id, token, err)
		if err == nil || !hallclient.Transient(err) {
			return t, err
		}
		k.log.Warn("check-in not answered; retrying", logBooking, code, logErr, err)
		if ctx.Err() != nil || !pause.For(ctx, wait) {
			return nil, err
		}
		wait = min(2*wait, k.maxWait)
	}
}

// checkInRefusal is the server's reason for refusing a check-in.
func checkInRefusal(err error) string {
	if hallq.ErrorCode(err) == hallq.ENOTFOUND {
		return BookingUnknown
	}
	return hallq.ErrorReason(err)
}

// scanGap is how long the same code scanned again is ignored: a scanner
// reads a phone held in front of it several times a second.
const scanGap = 10 * time.Second

// scans keeps the serial scanner from checking one code in twice at once.
type scans struct {
	mu   sync.Mutex
	last map[string]time.Time // code → when its last check-in ended (zero while under way)
}

// take reports whether code may be checked in now, and marks it under way.
func (s *scans) take(code string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		s.last = map[string]time.Time{}
	}
	for c, at := range s.last {
		if !at.IsZero() && now.Sub(at) >= scanGap {
			delete(s.last, c)
		}
	}
	if _, busy := s.last[code]; busy {
		return false
	}
	s.last[code] = time.Time{}
	return true
}

func (s *scans) done(code string, now time.Time) {
	s.mu.Lock()
	s.last[code] = now
	s.mu.Unlock()
}

// scanned handles a line from the serial QR scanner of a kiosk with no
// screen: the code is checked in and its ticket printed; a code the kiosk
// cannot check in gets a printed slip saying why, in Vietnamese and
// English.
func (k *Kiosk) scanned(line string) {
	code, ok := BookingCode(line)
	if !ok {
		k.log.Warn("scanned something that is not a booking code", "length", len(line))
		k.enqueue(&request{notice: &noticeBadCode, edge: k.now(), done: make(chan Result, 1)})
		return
	}
	if !k.scan.take(code, k.now()) {
		k.log.Info("booking code scanned again: ignored", logBooking, code)
		return
	}
	k.log.Info("booking code scanned", logBooking, code)
	req := &request{booking: code, edge: k.now(), done: make(chan Result, 1), slip: true}
	if !k.enqueue(req) {
		k.scan.done(code, k.now())
		return
	}
	go func() {
		<-req.done
		k.scan.done(code, k.now())
	}()
}

// Slips for a check-in the kiosk could not make, for kiosks with no screen.
var (
	noticeBadCode = printer.Notice{HeadVI: "MÃ KHÔNG HỢP LỆ", HeadEN: "NOT A BOOKING CODE",
		TextVI: "Vui lòng quét mã QR của lịch hẹn hoặc báo cán bộ", TextEN: "Please scan your booking's QR code or ask an officer"}
	bookingNotices = map[string]printer.Notice{
		BookingTooEarly: {HeadVI: "CHƯA ĐẾN GIỜ HẸN", HeadEN: "TOO EARLY FOR YOUR BOOKING",
			TextVI: "Vui lòng quay lại gần giờ hẹn và quét lại mã", TextEN: "Please come back closer to your time and scan again"},
		BookingTooLate: {HeadVI: "ĐÃ QUÁ GIỜ HẸN", HeadEN: "YOUR BOOKED TIME HAS PASSED",
			TextVI: "Mời bấm nút lĩnh vực để lấy số thứ tự thông thường", TextEN: "Press a service button for an ordinary number"},
		BookingCancelled: {HeadVI: "LỊCH HẸN ĐÃ HUỶ", HeadEN: "BOOKING CANCELLED",
			TextVI: "Mời bấm nút lĩnh vực để lấy số thứ tự thông thường", TextEN: "Press a service button for an ordinary number"},
		BookingUnknown: {HeadVI: "KHÔNG TÌM THẤY LỊCH HẸN", HeadEN: "NO BOOKING WITH THIS CODE",
			TextVI: "Vui lòng kiểm tra lại mã hoặc báo cán bộ", TextEN: "Please check the code or ask an officer"},
	}
	noticeOther = printer.Notice{HeadVI: "KHÔNG NHẬN ĐƯỢC LỊCH HẸN", HeadEN: "COULD NOT CHECK IN",
		TextVI: "Vui lòng báo cán bộ", TextEN: "Please ask an officer"}
)

// noticeTexts are every text the slips print, for the layout's check at
// start-up.
func noticeTexts() []string {
	var out []string
	for _, n := range append([]printer.Notice{noticeBadCode, noticeOther}, slices.Collect(maps.Values(bookingNotices))...) {
		out = append(out, n.HeadVI, n.HeadEN, n.TextVI, n.TextEN)
	}
	return out
}

// refusalNotice is the slip for a check-in the server refused; a
// too-early one carries the server's own sentence, which says from when
// the booking can be checked in, when the printer can print it; a
// too-late or cancelled one names the booking's service, whose button
// gives an ordinary number.
func (k *Kiosk) refusalNotice(res Result) printer.Notice {
	n, ok := bookingNotices[res.ServerReason]
	if !ok {
		n = noticeOther
	}
	if res.ServerReason == BookingTooEarly && res.Message != "" && k.layout.Check(res.Message) == nil {
		n.TextVI, n.TextEN = res.Message, "" // the server's says it in both languages
	}
	if res.ServerReason == BookingTooLate || res.ServerReason == BookingCancelled {
		if vi, en, ok := k.serviceNames(res.Service); ok {
			textVI := fmt.Sprintf("Mời bấm nút %s để lấy số thứ tự thông thường", vi)
			textEN := fmt.Sprintf("Press the %s button for an ordinary number", en)
			if k.layout.Check(textVI, textEN) == nil {
				n.TextVI, n.TextEN = textVI, textEN
			}
		}
	}
	return n
}

// serviceNames are a service's names in the last hall view (its
// Vietnamese name in English too when it has no English one).
func (k *Kiosk) serviceNames(code string) (vi, en string, ok bool) {
	h := k.hall.get()
	if h == nil || code == "" {
		return "", "", false
	}
	for _, s := range h.Services {
		if s.Code == code {
			en = s.NameEN
			if en == "" {
				en = s.NameVI
			}
			return s.NameVI, en, true
		}
	}
	return "", "", false
}

// printNotice prints a slip; a failure is only logged (the fault lamp
// tells of the printer).
func (k *Kiosk) printNotice(ctx context.Context, n printer.Notice) {
	job, err := k.layout.Notice(n)
	if err == nil {
		err = k.printer.Print(ctx, job)
	}
	if err != nil {
		k.log.Warn("the check-in slip did not print", logErr, err)
	}
}

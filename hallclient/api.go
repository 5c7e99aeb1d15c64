package hallclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hallq/hallq"
)

// Hall reads the hall's public state: services with their queues, counters,
// the latest calls.
func (c *Client) Hall(ctx context.Context, token string) (*hallq.HallView, error) {
	var h hallq.HallView
	if _, err := c.Do(ctx, http.MethodGet, "/api/v1/hall", token, nil, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// Issue asks for a ticket once; a retry with the same IdempotencyKey gets
// the same ticket.
func (c *Client) Issue(ctx context.Context, token string, req hallq.TicketRequest) (*hallq.Ticket, error) {
	var t hallq.Ticket
	if _, err := c.Do(ctx, http.MethodPost, "/api/v1/tickets", token, req, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// IssueOnly asks for a ticket as Issue does but leaves the answer unread:
// for a load generator, which shares the machine with the server it
// measures and must not spend its CPU decoding tickets.
func (c *Client) IssueOnly(ctx context.Context, token string, req hallq.TicketRequest) error {
	_, err := c.Do(ctx, http.MethodPost, "/api/v1/tickets", token, req, nil)
	return err
}

// Ticket reads a ticket: with its secret (from its QR code), or as staff or
// the device that issued it (secret "").
func (c *Client) Ticket(ctx context.Context, token, id, secret string) (*hallq.Ticket, error) {
	path := ticketPath(id, "")
	if secret != "" {
		path += "?k=" + url.QueryEscape(secret)
	}
	var t hallq.Ticket
	if _, err := c.Do(ctx, http.MethodGet, path, token, nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// Cancel cancels a waiting ticket (a kiosk: one it issued) and returns it.
func (c *Client) Cancel(ctx context.Context, token, ticketID, reason string) (*hallq.Ticket, error) {
	return c.ticketCall(ctx, ticketPath(ticketID, "cancel"), token, hallq.CancelRequest{Reason: reason})
}

// Printed tells the server a held ticket came out of the printer, so that
// counters may call it.
func (c *Client) Printed(ctx context.Context, token, ticketID string) (*hallq.Ticket, error) {
	return c.ticketCall(ctx, ticketPath(ticketID, "printed"), token, nil)
}

func ticketPath(id, action string) string {
	p := "/api/v1/tickets/" + url.PathEscape(id)
	if action != "" {
		p += "/" + action
	}
	return p
}

// ticketCall posts in to path and reads the ticket answered; nil when the
// server answered 204 (no ticket: nobody waits).
func (c *Client) ticketCall(ctx context.Context, path, token string, in any) (*hallq.Ticket, error) {
	var t hallq.Ticket
	a, err := c.Do(ctx, http.MethodPost, path, token, in, &t)
	if err != nil || a.Status == http.StatusNoContent {
		return nil, err
	}
	return &t, nil
}

// Rate sends one rating press; the server answers with the rating as first
// recorded (a retry of the same DeviceSeq gets the same one).
func (c *Client) Rate(ctx context.Context, token string, req hallq.RatingPress) (*hallq.Rating, error) {
	var r hallq.Rating
	if _, err := c.Do(ctx, http.MethodPost, "/api/v1/ratings", token, req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Heartbeat reports a device's health (any JSON object; the admin's device
// list shows it).
func (c *Client) Heartbeat(ctx context.Context, token string, health any) error {
	_, err := c.Do(ctx, http.MethodPost, "/api/v1/devices/heartbeat", token, health, nil)
	return err
}

// Ticket actions at a counter, as call pads and officers send them.
const (
	ActNext   = "next"
	ActRecall = "recall"
	ActStart  = "start"
	ActFinish = "finish"
	ActNoShow = "no-show"
)

func counterPath(counter int, action string) string {
	return "/api/v1/counters/" + strconv.Itoa(counter) + "/" + action
}

// Act runs a ticket action (ActNext, …) at counter and returns the ticket
// it acted on; nil when the server answered 204 (next: nobody waits).
func (c *Client) Act(ctx context.Context, token string, counter int, action string) (*hallq.Ticket, error) {
	return c.ticketCall(ctx, counterPath(counter, action), token, nil)
}

// Next calls the counter's next ticket; nil when nobody waits.
func (c *Client) Next(ctx context.Context, token string, counter int) (*hallq.Ticket, error) {
	return c.Act(ctx, token, counter, ActNext)
}

// NextID calls the counter's next ticket as Next does, reading only the
// called ticket's id ("" when nobody waits): see IssueOnly.
func (c *Client) NextID(ctx context.Context, token string, counter int) (string, error) {
	var t struct{ ID string }
	a, err := c.Do(ctx, http.MethodPost, counterPath(counter, ActNext), token, nil, &t)
	if err != nil || a.Status == http.StatusNoContent {
		return "", err
	}
	return t.ID, nil
}

// Finish ends the service of the counter's ticket.
func (c *Client) Finish(ctx context.Context, token string, counter int) (*hallq.Ticket, error) {
	return c.Act(ctx, token, counter, ActFinish)
}

// Call calls a chosen waiting ticket to counter, out of order.
func (c *Client) Call(ctx context.Context, token string, counter int, ticketID string) (*hallq.Ticket, error) {
	return c.ticketCall(ctx, counterPath(counter, "call"), token, hallq.CallRequest{Ticket: ticketID})
}

// Transfer sends the counter's ticket to another service and returns the
// waiting ticket the transfer made.
func (c *Client) Transfer(ctx context.Context, token string, counter int, service string) (*hallq.Ticket, error) {
	return c.ticketCall(ctx, counterPath(counter, "transfer"), token, hallq.TransferRequest{Service: service})
}

// Counter states an officer sets.
const (
	CounterOpen  = "open"
	CounterPause = "pause"
	CounterClose = "close"
)

// SetCounter opens, pauses or closes a counter (CounterOpen, …).
func (c *Client) SetCounter(ctx context.Context, token string, counter int, state string) (*hallq.Counter, error) {
	var out hallq.Counter
	if _, err := c.Do(ctx, http.MethodPost, counterPath(counter, state), token, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Login signs a staff user in.
func (c *Client) Login(ctx context.Context, username, password string) (*hallq.Session, error) {
	var s hallq.Session
	if _, err := c.Do(ctx, http.MethodPost, "/api/v1/login", "", hallq.LoginRequest{Username: username, Password: password}, &s); err != nil {
		return nil, fmt.Errorf("hallclient: sign in as %s: %w", username, err)
	}
	return &s, nil
}

// SetNotice sets the notice the hall's displays show (an admin's token;
// "" clears it).
func (c *Client) SetNotice(ctx context.Context, token, text string) error {
	_, err := c.Do(ctx, http.MethodPost, "/api/v1/notice", token, hallq.NoticeRequest{Text: text}, nil)
	return err
}

// Events reads one page of the event log: at most limit events after seq
// since.
func (c *Client) Events(ctx context.Context, token string, since int64, limit int) (*hallq.EventPage, error) {
	var p hallq.EventPage
	if _, err := c.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/events?since=%d&limit=%d", since, limit), token, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// AllEvents reads the event log after seq since to its end, a page at a
// time.
func (c *Client) AllEvents(ctx context.Context, token string, since int64) ([]hallq.Event, error) {
	var all []hallq.Event
	for {
		p, err := c.Events(ctx, token, since, 1000)
		if err != nil {
			return nil, err
		}
		if len(p.Events) == 0 {
			return all, nil
		}
		all = append(all, p.Events...)
		since = p.Next
	}
}

// SetSimClock moves a server in simulation mode (hallserver -sim-clock) to
// a time and speed (an admin's token).
func (c *Client) SetSimClock(ctx context.Context, token string, req hallq.SimClockRequest) (*hallq.SimClockState, error) {
	var st hallq.SimClockState
	if _, err := c.Do(ctx, http.MethodPost, "/api/v1/sim/clock", token, req, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// Enrol asks for a device token (zero-touch enrolment): the answer holds
// the request's id and the path to poll. retryAfter is the server's
// Retry-After when it refused for the rate (EUNAVAILABLE, "rate_limited").
func (c *Client) Enrol(ctx context.Context, req hallq.EnrolRequest) (_ *hallq.EnrolAnswer, retryAfter time.Duration, err error) {
	return c.enrolCall(ctx, http.MethodPost, "/api/v1/enrol", req)
}

// PollEnrolment asks how the enrolment request Enrol answered stands (at
// the path it named, or the request's own path from its id and secret):
// State pending, or approved with the token, which is given once. An
// admin's rejection is EFORBIDDEN with reason "rejected"; a request
// expired or already collected is ENOTFOUND.
func (c *Client) PollEnrolment(ctx context.Context, req *hallq.EnrolAnswer) (_ *hallq.EnrolAnswer, retryAfter time.Duration, err error) {
	poll := req.Poll
	if poll == "" {
		poll = "/api/v1/enrol/" + url.PathEscape(req.ID) + "?secret=" + url.QueryEscape(req.Secret)
	}
	return c.enrolCall(ctx, http.MethodGet, poll, nil)
}

// Enrolments lists the enrolment requests (an admin's token).
func (c *Client) Enrolments(ctx context.Context, token string) ([]hallq.Enrolment, error) {
	var l hallq.EnrolmentList
	if _, err := c.Do(ctx, http.MethodGet, "/api/v1/enrolments", token, nil, &l); err != nil {
		return nil, err
	}
	return l.Enrolments, nil
}

// ApproveEnrolment approves request id (an admin's token); a pad's
// request names the counter it sits at, other kinds' counter 0.
func (c *Client) ApproveEnrolment(ctx context.Context, token, id string, counter int) error {
	_, err := c.Do(ctx, http.MethodPost, "/api/v1/enrolments/"+url.PathEscape(id)+"/approve", token, hallq.ApproveRequest{Counter: counter}, nil)
	return err
}

func (c *Client) enrolCall(ctx context.Context, method, path string, in any) (*hallq.EnrolAnswer, time.Duration, error) {
	var ans hallq.EnrolAnswer
	a, err := c.Do(ctx, method, path, "", in, &ans)
	var retry time.Duration
	if a != nil {
		if s, err := strconv.Atoi(a.Header.Get("Retry-After")); err == nil && s > 0 {
			retry = time.Duration(s) * time.Second
		}
	}
	if err != nil {
		return nil, retry, err
	}
	return &ans, retry, nil
}

// maxWAV bounds an announcement's WAV.
const maxWAV = 16 << 20

// Announcement fetches the spoken call of event seq as WAV
// (GET /api/v1/announcements/{seq}.wav).
func (c *Client) Announcement(ctx context.Context, token string, seq int64) ([]byte, error) {
	path := fmt.Sprintf("/api/v1/announcements/%d.wav", seq)
	a, err := c.send(ctx, http.MethodGet, path, token, "", nil, maxWAV)
	if err != nil {
		return nil, err
	}
	if a.Status != http.StatusOK {
		return nil, refusal(http.MethodGet, path, a)
	}
	return a.Body, nil
}

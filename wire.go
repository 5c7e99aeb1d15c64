package hallq

import (
	"errors"
	"net/http"
	"slices"
	"time"
)

// The JSON shapes of the hall API (/api/v1, docs/API.md): one Go type per
// shape, which the server encodes and decodes and package hallclient sends
// and reads. Tickets, counters, events, ratings and devices travel as the
// domain types themselves (Ticket, Counter, Event, Rating, Device).

// HallView is the public state of the hall: what GET /api/v1/hall answers
// and what a stream snapshot carries.
type HallView struct {
	Hall     HallInfo      `json:"hall"`
	Services []ServiceView `json:"services"`
	Counters []Counter     `json:"counters"`
	// Recent are the most recent calls, newest first (for hall displays),
	// one per ticket: a recall takes the place of the ticket's call.
	Recent []Event `json:"recent"`
}

// PushRecentCall records the call or recall ev in recent (newest first).
// A new call goes to the head, keeping at most keep rows; a recall takes
// the place of its ticket's row, which stays where it was: the hall's
// screen flashes and re-announces that row, and a ticket recalled three
// times does not push other counters' calls off the screen.
func PushRecentCall(recent []Event, ev Event, keep int) []Event {
	if ev.Ticket != nil {
		for i, r := range recent {
			if r.Ticket != nil && r.Ticket.ID == ev.Ticket.ID {
				out := slices.Clone(recent)
				out[i] = ev
				return out
			}
		}
	}
	out := make([]Event, 0, min(len(recent)+1, keep))
	out = append(out, ev)
	return append(out, recent[:min(len(recent), keep-1)]...)
}

// HallInfo is the hall-wide part of a HallView.
type HallInfo struct {
	Name          string        `json:"name"`
	Day           string        `json:"day"`
	TimeZone      string        `json:"time_zone"`
	Language      string        `json:"language"`
	Notice        string        `json:"notice"`
	RatingScale   []RatingLevel `json:"rating_scale"`
	PriorityKinds []string      `json:"priority_kinds"`
	// MaxRecalls is how many recalls a call gets before the next one
	// makes it a no-show (0: no limit); the officer's console says so.
	MaxRecalls int       `json:"max_recalls"`
	Now        time.Time `json:"now"`
}

// ServiceView is one service with its live queue figures.
type ServiceView struct {
	Service
	Open           bool   `json:"open"`
	Waiting        int    `json:"waiting"`
	EstimatedWaitS int    `json:"estimated_wait_s"`
	Closed         string `json:"closed_reason,omitempty"` // "outside_hours" or "daily_cap" when !Open
	// LastCalled is the label most recently called in this service.
	LastCalled string `json:"last_called,omitempty"`
	// BookingCapacity is the places in each of its booking slots (its
	// booking.capacity, or the suggestion when that is 0), and
	// SuggestedCapacity the suggestion (hallq.SuggestCapacity); both 0 for
	// a service that takes no bookings.
	BookingCapacity   int `json:"booking_capacity,omitempty"`
	SuggestedCapacity int `json:"suggested_capacity,omitempty"`
}

// SnapshotType is the type of a stream's first message; every other
// message is an Event.
const SnapshotType = "snapshot"

// Snapshot is the first message of GET /api/v1/stream after every
// (re)connection: the hall as of event Seq.
type Snapshot struct {
	Type string   `json:"type"` // SnapshotType
	Seq  int64    `json:"seq"`
	Hall HallView `json:"hall"`
	// Replay says how many logged events (seq ≤ Seq, after the client's
	// since) follow before live ones; Truncated says there is no replay
	// for the client's since — too far behind, or ahead of this log (a
	// restored database) — so it must take the snapshot as the whole truth.
	Replay    int  `json:"replay"`
	Truncated bool `json:"truncated,omitempty"`
}

// ErrorBody is the body of every refused API request:
// {"error":{"code":…,"message":…,"reason":…}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is an Error as it travels.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Reason  string `json:"reason,omitempty"`
	Field   string `json:"field,omitempty"`
	// Service names the service a refused check-in's booking is for.
	Service string `json:"service,omitempty"`
}

// NewErrorBody is err's body, with ErrorCode, ErrorMessage and ErrorReason:
// an error that is not an *Error becomes EINTERNAL with a generic message.
func NewErrorBody(err error) ErrorBody {
	return ErrorBody{ErrorDetail{Code: ErrorCode(err), Message: ErrorMessage(err), Reason: ErrorReason(err), Field: errorField(err),
		Service: ErrorService(err)}}
}

func errorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// Err is the body as an *Error.
func (b ErrorBody) Err() *Error {
	return &Error{Code: b.Error.Code, Message: b.Error.Message, Reason: b.Error.Reason, Field: b.Error.Field, Service: b.Error.Service}
}

// errorStatuses is the one table of error codes and HTTP statuses.
var errorStatuses = []struct {
	code   string
	status int
}{
	{EINVALID, http.StatusBadRequest},
	{EUNAUTHORIZED, http.StatusUnauthorized},
	{EFORBIDDEN, http.StatusForbidden},
	{ENOTFOUND, http.StatusNotFound},
	{ECONFLICT, http.StatusConflict},
	{EUNAVAILABLE, http.StatusServiceUnavailable},
	{EINTERNAL, http.StatusInternalServerError},
}

// HTTPStatus is the status an error code is answered with (500 for an
// unknown code).
func HTTPStatus(code string) int {
	for _, e := range errorStatuses {
		if e.code == code {
			return e.status
		}
	}
	return http.StatusInternalServerError
}

// StatusCode is the error code of an HTTP status whose body carried none
// (a proxy's answer, say): the reverse of HTTPStatus, with 429 Too Many
// Requests as EUNAVAILABLE and any other status EINTERNAL.
func StatusCode(status int) string {
	if status == http.StatusTooManyRequests {
		return EUNAVAILABLE
	}
	for _, e := range errorStatuses {
		if e.status == status {
			return e.code
		}
	}
	return EINTERNAL
}

// TicketRequest is the body of POST /api/v1/tickets.
type TicketRequest struct {
	Service        string `json:"service"`
	Priority       string `json:"priority,omitempty"` // "" or one of Settings.PriorityKinds
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// HoldS asks that no counter call the ticket for this many seconds, or
	// until the issuer confirms the print (POST …/printed); 0 for none.
	HoldS int `json:"hold_s,omitempty"`
}

// CancelRequest is the body of POST /api/v1/tickets/{id}/cancel.
type CancelRequest struct {
	Reason string `json:"reason"` // e.g. "print_failed"
}

// TicketList is the answer of GET /api/v1/tickets.
type TicketList struct {
	Tickets []*Ticket `json:"tickets"`
}

// RatingPress is the body of POST /api/v1/ratings: one press of a pad's
// button.
type RatingPress struct {
	Counter   int   `json:"counter"`
	Score     int   `json:"score"`
	DeviceSeq int64 `json:"device_seq"` // increases with each press, never reused
	AgeMS     int64 `json:"age_ms"`     // how long ago the button was pressed
	// AgeCapped: the pad restarted between the press and now, so age_ms is
	// a lower bound it capped.
	AgeCapped bool `json:"age_capped,omitempty"`
}

// CallRequest is the body of POST /api/v1/counters/{id}/call.
type CallRequest struct {
	Ticket string `json:"ticket"` // the id of a waiting ticket
}

// TransferRequest is the body of POST /api/v1/counters/{id}/transfer.
type TransferRequest struct {
	Service string `json:"service"` // the code of the target service
}

// NoticeRequest is the body of POST /api/v1/notice: the text the hall's
// displays show under the calls ("" clears it; at most 2,000 bytes).
type NoticeRequest struct {
	Text string `json:"text"`
}

// LoginRequest is the body of POST /api/v1/login.
type LoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Session is the answer of POST /api/v1/login.
type Session struct {
	Token     string    `json:"token"`
	User      User      `json:"user"`
	ExpiresAt time.Time `json:"expires_at"`
}

// EventPage is the answer of GET /api/v1/events?since=N&limit=M: the
// events after seq since, and the seq to ask after next.
type EventPage struct {
	Events []Event `json:"events"`
	Next   int64   `json:"next"`
}

// EnrolRequest is the body of POST /api/v1/enrol.
type EnrolRequest struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	Code string `json:"code"`
}

// EnrolmentList is the answer of GET /api/v1/enrolments (an admin's):
// the requests pending and lately decided.
type EnrolmentList struct {
	Enrolments []Enrolment `json:"enrolments"`
}

// ApproveRequest is the body of POST /api/v1/enrolments/{id}/approve:
// the counter a pad sits at (required for pads, refused for other kinds).
type ApproveRequest struct {
	Counter int `json:"counter,omitempty"`
}

// EnrolAnswer is what a device gets: from the request, its id and poll
// secret; from a poll, the state and, once approved, the token.
type EnrolAnswer struct {
	ID          string     `json:"id"`
	State       EnrolState `json:"state"`
	Secret      string     `json:"secret,omitempty"`
	Poll        string     `json:"poll,omitempty"` // the path to poll, secret included
	RetryAfterS int        `json:"retry_after_s,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	Token       string     `json:"token,omitempty"`
	Device      *Device    `json:"device,omitempty"`
}

// SimClockRequest is the body of POST /api/v1/sim/clock (simulation mode
// only): a zero At leaves the time, a zero Speed the speed.
type SimClockRequest struct {
	At    time.Time `json:"at"`
	Speed float64   `json:"speed"`
}

// SimClockState is the answer of GET and POST /api/v1/sim/clock.
type SimClockState struct {
	Now   time.Time `json:"now"`
	Speed float64   `json:"speed"`
}

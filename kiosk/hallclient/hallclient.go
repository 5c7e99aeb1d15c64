// Package hallclient is the kiosk's side of the hall server's HTTP API
// (/api/v1): tickets, cancellations, ratings, call-pad actions, heartbeats
// and the hall view. Errors the server answers come back as *hallq.Error
// with its code, message and reason; failures to reach it wrap
// ErrUnreachable.
package hallclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hallq/hallq"
)

// ErrUnreachable is wrapped by errors of requests that got no answer from
// the hall server (network down, timeout, server restarting, a proxy's 5xx).
var ErrUnreachable = errors.New("hallclient: hall server unreachable")

// Client talks to one hall server.
type Client struct {
	// BaseURL is the server's root, e.g. http://192.168.1.10:8080.
	BaseURL string
	// HTTP is the client to use; its Timeout bounds each request.
	HTTP *http.Client
	// UserAgent names the kiosk and its version.
	UserAgent string
}

// New returns a client with a per-request timeout.
func New(baseURL string, timeout time.Duration) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 4
	tr.IdleConnTimeout = 90 * time.Second
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), HTTP: &http.Client{Timeout: timeout, Transport: tr}}
}

// Transient reports whether err may go away by itself, so the same request
// should be tried again: the server was not reached, or it answered that
// it is busy or failed internally.
func Transient(err error) bool {
	if errors.Is(err, ErrUnreachable) {
		return true
	}
	var he *hallq.Error
	if errors.As(err, &he) {
		return he.Code == hallq.EINTERNAL || (he.Code == hallq.EUNAVAILABLE && he.Reason == "")
	}
	return false
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Reason  string `json:"reason"`
	} `json:"error"`
}

// do sends a JSON request and decodes a JSON answer into out (if non-nil).
// It returns the status code.
func (c *Client) do(ctx context.Context, method, path, token string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return 0, fmt.Errorf("hallclient: %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return 0, fmt.Errorf("hallclient: %s %s: %w", method, path, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%w: %s %s: %w", ErrUnreachable, method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("%w: %s %s: reading the answer: %w", ErrUnreachable, method, path, err)
	}
	if resp.StatusCode >= 400 {
		var eb errorBody
		if json.Unmarshal(data, &eb) != nil || eb.Error.Code == "" {
			if resp.StatusCode >= 500 {
				return resp.StatusCode, fmt.Errorf("%w: %s %s: status %d", ErrUnreachable, method, path, resp.StatusCode)
			}
			return resp.StatusCode, &hallq.Error{Code: codeForStatus(resp.StatusCode), Message: fmt.Sprintf("%s %s: status %d", method, path, resp.StatusCode)}
		}
		return resp.StatusCode, &hallq.Error{Code: eb.Error.Code, Message: eb.Error.Message, Reason: eb.Error.Reason}
	}
	if out != nil && len(data) > 0 && resp.StatusCode != http.StatusNoContent {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("hallclient: %s %s: decode answer: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

func codeForStatus(status int) string {
	switch status {
	case 400:
		return hallq.EINVALID
	case 401:
		return hallq.EUNAUTHORIZED
	case 403:
		return hallq.EFORBIDDEN
	case 404:
		return hallq.ENOTFOUND
	case 409:
		return hallq.ECONFLICT
	}
	return hallq.EINTERNAL
}

// IssueRequest is POST /api/v1/tickets.
type IssueRequest struct {
	Service        string `json:"service"`
	Priority       string `json:"priority"`
	IdempotencyKey string `json:"idempotency_key"`
	// HoldS keeps counters from calling the ticket for this many seconds,
	// or until Printed confirms it; 0 for none.
	HoldS int `json:"hold_s,omitempty"`
}

// Issue asks for a ticket once.
func (c *Client) Issue(ctx context.Context, token string, req IssueRequest) (*hallq.Ticket, error) {
	var t hallq.Ticket
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/tickets", token, req, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// Cancel cancels a waiting ticket the kiosk issued.
func (c *Client) Cancel(ctx context.Context, token, ticketID, reason string) error {
	_, err := c.do(ctx, http.MethodPost, "/api/v1/tickets/"+url.PathEscape(ticketID)+"/cancel", token, map[string]string{"reason": reason}, nil)
	return err
}

// Printed tells the server a held ticket came out of the printer, so that
// counters may call it.
func (c *Client) Printed(ctx context.Context, token, ticketID string) error {
	_, err := c.do(ctx, http.MethodPost, "/api/v1/tickets/"+url.PathEscape(ticketID)+"/printed", token, nil, nil)
	return err
}

// RatingRequest is POST /api/v1/ratings.
type RatingRequest struct {
	Counter   int   `json:"counter"`
	Score     int   `json:"score"`
	DeviceSeq int64 `json:"device_seq"`
	AgeMS     int64 `json:"age_ms"`
	AgeCapped bool  `json:"age_capped,omitempty"`
}

// Rate sends one rating press; the server answers with the rating as first
// recorded.
func (c *Client) Rate(ctx context.Context, token string, req RatingRequest) (*hallq.Rating, error) {
	var r hallq.Rating
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/ratings", token, req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Counter actions for call pads.
const (
	ActNext   = "next"
	ActRecall = "recall"
	ActStart  = "start"
	ActFinish = "finish"
	ActNoShow = "no-show"
)

// Act runs a call-pad action at counter; the ticket is nil when the server
// answered 204 (nobody waits).
func (c *Client) Act(ctx context.Context, token string, counter int, action string) (*hallq.Ticket, error) {
	var t hallq.Ticket
	code, err := c.do(ctx, http.MethodPost, "/api/v1/counters/"+strconv.Itoa(counter)+"/"+action, token, nil, &t)
	if err != nil || code == http.StatusNoContent {
		return nil, err
	}
	return &t, nil
}

// Heartbeat reports a device's health.
func (c *Client) Heartbeat(ctx context.Context, token string, health any) error {
	_, err := c.do(ctx, http.MethodPost, "/api/v1/devices/heartbeat", token, health, nil)
	return err
}

// Hall is the part of GET /api/v1/hall a kiosk uses.
type Hall struct {
	Hall struct {
		Name          string    `json:"name"`
		Language      string    `json:"language"`
		PriorityKinds []string  `json:"priority_kinds"`
		Now           time.Time `json:"now"`
	} `json:"hall"`
	Services []Service `json:"services"`
}

// Service is a service with its live queue figures.
type Service struct {
	Code           string `json:"code"`
	Name           string `json:"name"`
	NameEN         string `json:"name_en"`
	Order          int    `json:"order"`
	Open           bool   `json:"open"`
	Waiting        int    `json:"waiting"`
	EstimatedWaitS int    `json:"estimated_wait_s"`
	ClosedReason   string `json:"closed_reason,omitempty"`
}

// Hall reads the hall's services and their queues.
func (c *Client) Hall(ctx context.Context, token string) (*Hall, error) {
	var h Hall
	if _, err := c.do(ctx, http.MethodGet, "/api/v1/hall", token, nil, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

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
		var eb hallq.ErrorBody
		if json.Unmarshal(data, &eb) != nil || eb.Error.Code == "" {
			if resp.StatusCode >= 500 {
				return resp.StatusCode, fmt.Errorf("%w: %s %s: status %d", ErrUnreachable, method, path, resp.StatusCode)
			}
			return resp.StatusCode, &hallq.Error{Code: hallq.StatusCode(resp.StatusCode), Message: fmt.Sprintf("%s %s: status %d", method, path, resp.StatusCode)}
		}
		return resp.StatusCode, eb.Err()
	}
	if out != nil && len(data) > 0 && resp.StatusCode != http.StatusNoContent {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("hallclient: %s %s: decode answer: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// Issue asks for a ticket once.
func (c *Client) Issue(ctx context.Context, token string, req hallq.TicketRequest) (*hallq.Ticket, error) {
	var t hallq.Ticket
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/tickets", token, req, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// Cancel cancels a waiting ticket the kiosk issued.
func (c *Client) Cancel(ctx context.Context, token, ticketID, reason string) error {
	_, err := c.do(ctx, http.MethodPost, "/api/v1/tickets/"+url.PathEscape(ticketID)+"/cancel", token, hallq.CancelRequest{Reason: reason}, nil)
	return err
}

// Printed tells the server a held ticket came out of the printer, so that
// counters may call it.
func (c *Client) Printed(ctx context.Context, token, ticketID string) error {
	_, err := c.do(ctx, http.MethodPost, "/api/v1/tickets/"+url.PathEscape(ticketID)+"/printed", token, nil, nil)
	return err
}

// Rate sends one rating press; the server answers with the rating as first
// recorded.
func (c *Client) Rate(ctx context.Context, token string, req hallq.RatingPress) (*hallq.Rating, error) {
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

// Hall reads the hall's services and their queues.
func (c *Client) Hall(ctx context.Context, token string) (*hallq.HallView, error) {
	var h hallq.HallView
	if _, err := c.do(ctx, http.MethodGet, "/api/v1/hall", token, nil, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

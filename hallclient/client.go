// Package hallclient is the Go client of the hall server's API (/api/v1,
// docs/API.md): what the kiosk, the displays, enrolling devices, the
// simulator, the load generator and the tests send and read. Bodies are the
// root package's wire types (hallq.TicketRequest, hallq.HallView,
// hallq.Snapshot, …).
//
// Errors the server answers come back as *hallq.Error with its code,
// message and reason; failures to reach it wrap ErrUnreachable. Transient
// says which errors a retry may cure.
//
//	c := hallclient.New("http://hall.local:8080", 5*time.Second)
//	t, err := c.Issue(ctx, kioskToken, hallq.TicketRequest{Service: "A", IdempotencyKey: key})
//
// Stream follows the event stream across reconnections.
package hallclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hallq/hallq"
)

// ErrUnreachable is wrapped by errors of requests that got no answer from
// the hall server (network down, timeout, server restarting, a proxy's 5xx).
var ErrUnreachable = errors.New("hallclient: hall server unreachable")

// Client talks to one hall server. Its methods take the bearer token of
// whoever acts (a device's token, a staff session's; "" for none), so one
// client serves a kiosk and its pads, or a simulated hall's officers.
type Client struct {
	// BaseURL is the server's root, e.g. http://192.168.1.10:8080.
	BaseURL string
	// HTTP is the client to use; its Timeout bounds each request.
	HTTP *http.Client
	// Dialer opens stream connections; nil is websocket.DefaultDialer.
	Dialer *websocket.Dialer
	// UserAgent names the program and its version.
	UserAgent string
}

// New returns a client with a per-request timeout that keeps a few
// connections alive, as a device needs.
func New(baseURL string, timeout time.Duration) *Client {
	return NewPool(baseURL, timeout, 4)
}

// NewPool returns a client that keeps up to idle connections alive, for
// callers that send many requests at once (a simulated hall, a load test).
func NewPool(baseURL string, timeout time.Duration, idle int) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = max(tr.MaxIdleConns, idle)
	tr.MaxIdleConnsPerHost = idle
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

// IsCode reports whether err is the server's refusal with code (and, when
// reason is not "", that reason).
func IsCode(err error, code, reason string) bool {
	var he *hallq.Error
	return errors.As(err, &he) && he.Code == code && (reason == "" || he.Reason == reason)
}

// maxAnswer bounds the answers the typed calls read: a device must not be
// made to hold an endless body.
const maxAnswer = 4 << 20

// Answer is a response as it came: status, body and headers.
type Answer struct {
	Status int
	Body   []byte
	Header http.Header
}

// Raw sends body (nil for none; JSON otherwise) and returns the answer as
// it came, whatever its status; the error is only for an answer that never
// came (wrapping ErrUnreachable). Tests of malformed requests and of exact
// statuses use it; everything else the typed calls.
func (c *Client) Raw(ctx context.Context, method, path, token string, body []byte) (*Answer, error) {
	return c.send(ctx, method, path, token, "", body, -1)
}

// RawAs is Raw with a body of another type than JSON (contentType, e.g.
// "text/csv").
func (c *Client) RawAs(ctx context.Context, method, path, token, contentType string, body []byte) (*Answer, error) {
	return c.send(ctx, method, path, token, contentType, body, -1)
}

// send is Raw with the body's type ("" for JSON) and a bound on the body
// read (< 0: none).
func (c *Client) send(ctx context.Context, method, path, token, contentType string, body []byte, limit int64) (*Answer, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return nil, fmt.Errorf("hallclient: %s %s: %w", method, path, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		if contentType == "" {
			contentType = "application/json"
		}
		req.Header.Set("Content-Type", contentType)
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %w", ErrUnreachable, method, path, err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if limit >= 0 {
		r = io.LimitReader(r, limit)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: reading the answer: %w", ErrUnreachable, method, path, err)
	}
	return &Answer{Status: resp.StatusCode, Body: data, Header: resp.Header}, nil
}

// Do sends in as JSON (nil for no body) and decodes a JSON answer into out
// (if not nil and there is one). A status of 400 or more is an error: the
// server's *hallq.Error, or ErrUnreachable for a 5xx without one. It
// returns the answer, whose status tells 200 from 201 and 204. The typed
// calls are built on it; use it for routes they lack (reports, admin).
func (c *Client) Do(ctx context.Context, method, path, token string, in, out any) (*Answer, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return nil, fmt.Errorf("hallclient: %s %s: %w", method, path, err)
		}
	}
	a, err := c.send(ctx, method, path, token, "", body, maxAnswer)
	if err != nil {
		return nil, err
	}
	if a.Status >= 400 {
		return a, refusal(method, path, a)
	}
	if out != nil && len(a.Body) > 0 && a.Status != http.StatusNoContent {
		if err := json.Unmarshal(a.Body, out); err != nil {
			return a, fmt.Errorf("hallclient: %s %s: decode the answer %.100q: %w", method, path, a.Body, err)
		}
	}
	return a, nil
}

// refusal is the error of an answer with status ≥ 400.
func refusal(method, path string, a *Answer) error {
	var eb hallq.ErrorBody
	if json.Unmarshal(a.Body, &eb) == nil && eb.Error.Code != "" {
		return eb.Err()
	}
	if a.Status >= 500 {
		// Not the hall server's own answer: a proxy's, or one cut short.
		return fmt.Errorf("%w: %s %s: status %d", ErrUnreachable, method, path, a.Status)
	}
	return &hallq.Error{Code: hallq.StatusCode(a.Status), Message: fmt.Sprintf("%s %s: status %d", method, path, a.Status)}
}

package hallclient

import (
	"context"
	"net/http"
	"net/url"

	"github.com/hallq/hallq"
)

// Bookings (docs/API.md, "Bookings").

// Slots lists a service's slots on a local date (YYYY-MM-DD) with the
// places left in each.
func (c *Client) Slots(ctx context.Context, service, date string) (*hallq.SlotsAnswer, error) {
	var out hallq.SlotsAnswer
	path := "/api/v1/bookings/slots?service=" + url.QueryEscape(service) + "&date=" + url.QueryEscape(date)
	if _, err := c.Do(ctx, http.MethodGet, path, "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Book books a slot; the answer carries the code and the citizen's status
// and cancel links. A full slot is ECONFLICT, reason "slot_full".
func (c *Client) Book(ctx context.Context, req hallq.BookingRequest) (*hallq.Booking, error) {
	var out hallq.Booking
	if _, err := c.Do(ctx, http.MethodPost, "/api/v1/bookings", "", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func bookingPath(code, action string) string {
	p := "/api/v1/bookings/" + url.PathEscape(code)
	if action != "" {
		p += "/" + action
	}
	return p
}

// Booking reads a booking: with its secret (from its link), or as staff
// (secret "").
func (c *Client) Booking(ctx context.Context, token, code, secret string) (*hallq.Booking, error) {
	path := bookingPath(code, "")
	if secret != "" {
		path += "?k=" + url.QueryEscape(secret)
	}
	var out hallq.Booking
	if _, err := c.Do(ctx, http.MethodGet, path, token, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CancelBooking cancels a booking: the citizen with the secret of its
// cancel link (token ""), or staff with their token (secret "").
func (c *Client) CancelBooking(ctx context.Context, token, code, secret string) (*hallq.Booking, error) {
	var in any
	if secret != "" {
		in = hallq.BookingCancelRequest{Secret: secret}
	}
	var out hallq.Booking
	if _, err := c.Do(ctx, http.MethodPost, bookingPath(code, "cancel"), token, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CheckIn checks a booking in at a kiosk and returns its ticket; created
// is false when the booking had been checked in already (a retry gets the
// same ticket). Refusals are ECONFLICT with reason "too_early", "too_late"
// or "cancelled", and ENOTFOUND for an unknown code.
func (c *Client) CheckIn(ctx context.Context, token, code string, req hallq.BookingCheckInRequest) (t *hallq.Ticket, created bool, err error) {
	var out hallq.Ticket
	a, err := c.Do(ctx, http.MethodPost, bookingPath(code, "checkin"), token, req, &out)
	if err != nil {
		return nil, false, err
	}
	return &out, a.Status == http.StatusCreated, nil
}

// ImportBookings sends bookings made elsewhere (an admin's or a portal's
// token); rows the hall has already are left as they are.
func (c *Client) ImportBookings(ctx context.Context, token string, rows []hallq.BookingImport) (*hallq.BookingImportAnswer, error) {
	var out hallq.BookingImportAnswer
	in := struct {
		Bookings []hallq.BookingImport `json:"bookings"`
	}{rows}
	if _, err := c.Do(ctx, http.MethodPost, "/api/v1/bookings/import", token, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Bookings lists bookings for staff; query holds the filters (day,
// service, status, q), nil for none.
func (c *Client) Bookings(ctx context.Context, token string, query url.Values) ([]*hallq.Booking, error) {
	path := "/api/v1/bookings"
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	var out hallq.BookingList
	if _, err := c.Do(ctx, http.MethodGet, path, token, nil, &out); err != nil {
		return nil, err
	}
	return out.Bookings, nil
}

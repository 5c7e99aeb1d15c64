package server

import (
	"net/http"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/server/api"
)

// route is one row of a route table.
func route(pattern string, a api.Access, h func(http.ResponseWriter, *http.Request, hallq.Principal) error) api.Route {
	return api.Route{Pattern: pattern, Access: a, Handle: h}
}

// routes is the hall's API route table: the mux is built from it, and the
// access test sweeps it, so a route cannot be added without a rule. Pages
// are not in it (see New).
func (s *Server) routes() []api.Route {
	type A = api.Access
	kiosk := []hallq.DeviceKind{hallq.DeviceKiosk}
	pad := []hallq.DeviceKind{hallq.DevicePad}
	counterPad := A{Roles: api.StaffWrite, Devices: pad, PadCounter: true}
	readers := A{PublicDisplay: true, Roles: api.AllStaff, Devices: api.AnyDevice}
	anyStaff, managers, admin := A{Roles: api.AllStaff}, A{Roles: api.Managers}, A{Roles: api.AdminOnly}
	return []api.Route{
		route("GET /api/v1/hall", readers, s.getHall),
		route("POST /api/v1/tickets", A{Roles: api.StaffWrite, Devices: kiosk}, s.issueTicket),
		route("GET /api/v1/tickets", anyStaff, s.listTickets),
		route("GET /api/v1/tickets/{id}", A{Public: true}, s.getTicket),
		route("POST /api/v1/tickets/{id}/cancel", A{Roles: api.StaffWrite, Devices: kiosk}, s.cancelTicket),
		route("POST /api/v1/tickets/{id}/printed", A{Roles: api.StaffWrite, Devices: kiosk}, s.printedTicket),
		route("POST /api/v1/tickets/{id}/requeue", A{Roles: api.StaffWrite}, s.requeueTicket),
		route("POST /api/v1/tickets/{id}/priority", A{Roles: api.StaffWrite}, s.priorityTicket),

		route("GET /api/v1/counters/{id}", readers, s.getCounter),
		route("POST /api/v1/counters/{id}/open", A{Roles: api.StaffWrite}, s.counterOpen),
		route("POST /api/v1/counters/{id}/pause", A{Roles: api.StaffWrite}, s.counterPause),
		route("POST /api/v1/counters/{id}/close", A{Roles: api.StaffWrite}, s.counterClose),
		route("POST /api/v1/counters/{id}/next", counterPad, s.counterNext),
		route("POST /api/v1/counters/{id}/recall", counterPad, s.counterRecall),
		route("POST /api/v1/counters/{id}/start", counterPad, s.counterStart),
		route("POST /api/v1/counters/{id}/finish", counterPad, s.counterFinish),
		route("POST /api/v1/counters/{id}/no-show", counterPad, s.counterNoShow),
		route("POST /api/v1/counters/{id}/call", A{Roles: api.StaffWrite}, s.counterCall),
		route("POST /api/v1/counters/{id}/transfer", A{Roles: api.StaffWrite}, s.counterTransfer),

		route("POST /api/v1/login", A{Public: true}, s.api.Login),
		route("POST /api/v1/logout", anyStaff, s.api.Logout),
		route("GET /api/v1/me", A{Roles: api.AllStaff, Devices: api.AnyDevice}, s.api.Me),

		route("POST /api/v1/ratings", A{Devices: pad}, s.postRating),
		route("POST /api/v1/devices/heartbeat", A{Devices: api.AnyDevice}, s.heartbeat),
		route("GET /api/v1/devices", admin, s.listDevices),
		route("POST /api/v1/notice", admin, s.setNotice),

		route("GET /api/v1/events", A{Roles: api.Managers, Devices: api.AnyDevice}, s.listEvents),
		route("GET /api/v1/stream", A{PublicDisplay: true, Roles: api.AllStaff, Devices: api.AnyDevice}, s.Stream.Serve),
		route("GET /api/v1/announcements/{id}", A{PublicDisplay: true, Roles: api.AllStaff, Devices: api.AnyDevice}, s.display.Announcement),

		// What the staff pages use beyond the core API.
		route("GET /api/v1/noshows", anyStaff, s.listNoShows),
		route("GET /api/v1/reports/summary", managers, s.reports.Summary),
		route("GET /api/v1/reports/tickets", managers, s.reports.Tickets),
		route("GET /api/v1/reports/monthly", managers, s.reports.Monthly),
		route("GET /api/v1/reports/live", managers, s.reportLive),
		route("GET /api/v1/forecast", managers, s.forecast.Get),
		route("PUT /api/v1/services/{code}", admin, s.putService),
		route("PUT /api/v1/counters/{id}", admin, s.putCounter),
		route("GET /api/v1/settings", admin, s.getSettings),
		route("PUT /api/v1/settings", admin, s.putSettings),
		route("GET /api/v1/users", admin, s.listUsers),
		route("PUT /api/v1/users/{name}", admin, s.putUser),
		route("POST /api/v1/devices", admin, s.createDevice),
		route("POST /api/v1/devices/{name}/revoke", admin, s.revokeDevice),
		route("GET /api/v1/ticket-preview", admin, s.ticketPreview),

		// Zero-touch enrolment (enrol.go): two public routes for devices
		// (asking is rate limited per address; polling needs the
		// request's secret) and the admin's list, approve, reject, and
		// reject all pending at once (a flood).
		route("POST /api/v1/enrol", A{Public: true}, s.enrol.ask),
		route("GET /api/v1/enrol/{id}", A{Public: true}, s.enrol.poll),
		route("GET /api/v1/enrolments", admin, s.enrol.list),
		route("POST /api/v1/enrolments/{id}/approve", admin, s.enrol.approve),
		route("POST /api/v1/enrolments/{id}/reject", admin, s.enrol.reject),
		route("POST /api/v1/enrolments/reject-pending", admin, s.enrol.rejectPending),

		// Bookings (bookings.go): slots, booking and its status and cancel
		// for anyone (booking is rate limited per address; status and
		// cancel need the booking's secret unless staff), check-in at a
		// kiosk, import by an admin or a portal, the staff's list.
		route("GET /api/v1/bookings/slots", A{Public: true}, s.getSlots),
		route("POST /api/v1/bookings", A{Public: true}, s.book),
		route("GET /api/v1/bookings", anyStaff, s.listBookings),
		route("GET /api/v1/bookings/{code}", A{Public: true}, s.getBooking),
		route("POST /api/v1/bookings/{code}/cancel", A{Public: true}, s.cancelBooking),
		route("POST /api/v1/bookings/{code}/checkin", A{Roles: api.StaffWrite, Devices: kiosk}, s.checkIn),
		route("POST /api/v1/bookings/{code}/erase", admin, s.eraseBooking),
		route("POST /api/v1/bookings/import", A{Roles: api.AdminOnly, Devices: []hallq.DeviceKind{hallq.DevicePortal}}, s.importBookings),

		// How far the hall's log has been shipped (shipping.go).
		route("GET /api/v1/central/status", admin, s.centralStatus),
		// The simulation clock (sim.go): in every server, so the access
		// sweep covers it, answering ENOTFOUND outside simulation mode.
		route("GET /api/v1/sim/clock", admin, s.getSimClock),
		route("POST /api/v1/sim/clock", admin, s.setSimClock),
	}
}

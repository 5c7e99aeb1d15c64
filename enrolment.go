package hallq

import "time"

// EnrolState is where an enrolment request stands.
type EnrolState string

// Enrolment states. A request is pending until an admin approves or rejects
// it; the device then collects the answer once, which consumes the request.
const (
	EnrolPending  EnrolState = "pending"
	EnrolApproved EnrolState = "approved"
	EnrolRejected EnrolState = "rejected"
)

// Enrolment is a device's request for a token ("zero-touch enrolment"): a
// kiosk, pad or display that knows only the hall server's address asks,
// shows Code on its screen or log, and an admin who sees the same code
// approves it.
type Enrolment struct {
	ID   string     `json:"id"`
	Name string     `json:"name"`
	Kind DeviceKind `json:"kind"`
	// Code is the short code the device shows, for the admin to compare.
	Code string `json:"code"`
	// Counter is the counter a pad is bound to, set on approval.
	Counter   int        `json:"counter,omitempty"`
	State     EnrolState `json:"state"`
	Remote    string     `json:"remote"` // the address the request came from
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	DecidedBy string     `json:"decided_by,omitempty"`
	// SameAddress names the live devices last heard from Remote: a request
	// from there is another device on the same machine (a kiosk's pads),
	// the same device asking again, or someone else using that machine.
	SameAddress []string `json:"same_address,omitempty"`
}

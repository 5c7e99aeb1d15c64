package hallq

import "time"

// Role is a staff role.
type Role string

// Staff roles. An admin may do everything a manager may.
const (
	RoleOfficer Role = "officer"
	RoleManager Role = "manager"
	RoleAdmin   Role = "admin"
)

// ValidRole reports whether r is a known role.
func ValidRole(r Role) bool {
	return r == RoleOfficer || r == RoleManager || r == RoleAdmin
}

// User is a staff account.
type User struct {
	Username string `json:"username"`
	Role     Role   `json:"role"`
	Disabled bool   `json:"disabled,omitempty"`
}

// DeviceKind is what a device is allowed to do.
type DeviceKind string

// Device kinds.
const (
	DeviceKiosk   DeviceKind = "kiosk"
	DevicePad     DeviceKind = "pad"
	DeviceDisplay DeviceKind = "display"
	// DevicePortal is a system that sends bookings made elsewhere (the
	// province's public-service portal): it may only import bookings.
	DevicePortal DeviceKind = "portal"
)

// ValidDeviceKind reports whether k is a known device kind.
func ValidDeviceKind(k DeviceKind) bool {
	return k == DeviceKiosk || k == DevicePad || k == DeviceDisplay || k == DevicePortal
}

// Device is a kiosk, pad or display holding a bearer token.
type Device struct {
	Name      string     `json:"name"`
	Kind      DeviceKind `json:"kind"`
	Counter   int        `json:"counter,omitempty"` // pads only
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	LastSeen  *time.Time `json:"last_seen,omitempty"`
	// Health is the device's last heartbeat body, as sent.
	Health map[string]any `json:"health,omitempty"`
	// Address is where the device was last heard from (its enrolment or
	// heartbeat).
	Address string `json:"address,omitempty"`
}

// Principal is whoever makes a request: a staff user or a device (or nobody).
type Principal struct {
	User   *User
	Device *Device
}

// Actor names the principal for the event log.
func (p Principal) Actor() string {
	switch {
	case p.User != nil:
		return "user:" + p.User.Username
	case p.Device != nil:
		return "device:" + p.Device.Name
	}
	return "anonymous"
}

package hallq

// CounterState is whether a counter takes calls.
type CounterState string

// Counter states.
const (
	CounterOpen   CounterState = "open"
	CounterPaused CounterState = "paused"
	CounterClosed CounterState = "closed"
)

// Counter is a desk known by its hall number. It serves its services in
// order of preference; at most one ticket is called or in service at it.
type Counter struct {
	ID       int          `json:"id"`
	Name     string       `json:"name"`
	Services []string     `json:"services"`
	State    CounterState `json:"state"`
	Officer  string       `json:"officer"`
	// Current is the ticket called or in service at the counter, or nil.
	Current *Ticket `json:"current"`
	// CurrentID is Current's id, kept for storage.
	CurrentID string `json:"-"`
	// SincePriority counts normal tickets called here since the last
	// priority one (for the interleave policy).
	SincePriority int `json:"-"`
}

// Serves reports whether the counter serves service code.
func (c *Counter) Serves(code string) bool {
	for _, s := range c.Services {
		if s == code {
			return true
		}
	}
	return false
}

package report

// Visit is a citizen's ticket with its legs: the ticket taken at the kiosk,
// then the new ticket of each transfer, in order. The ticket log gives one
// row per visit.
type Visit struct {
	Legs []*Ticket
}

// Ticket is the ticket taken at the kiosk (its id is the visit's).
func (v *Visit) Ticket() *Ticket { return v.Legs[0] }

// Last is the leg the visit ended in (or is in now).
func (v *Visit) Last() *Ticket { return v.Legs[len(v.Legs)-1] }

// WaitMS is the visit's waiting time: its legs' added up (Ticket.WaitMS);
// -1 when no leg has one.
func (v *Visit) WaitMS() int64 {
	sum, any := int64(0), false
	for _, l := range v.Legs {
		if w := l.WaitMS(); w >= 0 {
			sum, any = sum+w, true
		}
	}
	if !any {
		return -1
	}
	return sum
}

// Route is the services the visit went through, in order.
func (v *Visit) Route() []string {
	out := make([]string, len(v.Legs))
	for i, l := range v.Legs {
		out[i] = l.Service
	}
	return out
}

// Visits gathers ticket rows, read in the stores' order (by day, issue
// time and id), into visits: a leg keeps its ticket's day and issue time,
// so a visit is whole once the issue time moves on. Add takes each row
// (a copy is kept); fn is called for each visit, in order of issue, when
// it is whole; Flush ends the last ones.
type Visits struct {
	fn      func(*Visit) error
	issued  int64
	day     string
	pending []*Ticket
}

// NewVisits calls fn for every visit gathered.
func NewVisits(fn func(*Visit) error) *Visits { return &Visits{fn: fn} }

// Add takes the next row.
func (vs *Visits) Add(t *Ticket) error {
	if len(vs.pending) > 0 && (t.Issued != vs.issued || t.Day != vs.day) {
		if err := vs.Flush(); err != nil {
			return err
		}
	}
	c := *t
	vs.pending = append(vs.pending, &c)
	vs.issued, vs.day = t.Issued, t.Day
	return nil
}

// Flush hands on the visits of the rows taken so far. A leg whose ticket
// is not among them (a damaged log) is a visit of its own.
func (vs *Visits) Flush() error {
	rows := vs.pending
	vs.pending = nil
	byID := make(map[string]*Ticket, len(rows))
	for _, t := range rows {
		byID[t.ID] = t
	}
	for _, t := range rows {
		if t.TransferredFrom != "" && byID[t.TransferredFrom] != nil {
			continue // a leg: its visit starts at its ticket
		}
		v := &Visit{Legs: []*Ticket{t}}
		seen := map[string]bool{t.ID: true}
		for next := byID[t.TransferredTo]; next != nil && !seen[next.ID]; next = byID[next.TransferredTo] {
			seen[next.ID] = true
			v.Legs = append(v.Legs, next)
		}
		if err := vs.fn(v); err != nil {
			return err
		}
	}
	return nil
}

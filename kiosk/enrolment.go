package kiosk

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/enrol"
	"github.com/hallq/hallq/hallclient"
	"github.com/hallq/hallq/kiosk/button"
)

// ReasonNotEnrolled: the kiosk has no token yet (it waits for the hall's
// admin to approve it), so it cannot issue tickets.
const ReasonNotEnrolled = "not_enrolled"

// Enrolment is a device of this kiosk waiting for the admin's approval.
type Enrolment struct {
	Device   string `json:"device"` // the name it asked for
	Kind     string `json:"kind"`   // kiosk or pad
	Counter  int    `json:"counter,omitempty"`
	Code     string `json:"code,omitempty"` // to tell the admin
	Rejected bool   `json:"rejected,omitempty"`
	Error    string `json:"error,omitempty"`
}

// identities builds the kiosk's device tokens: the kiosk's own when it
// issues tickets, each pad's. A token in the config is used as it is;
// without one the device enrols and keeps its token in the state directory.
// The tokens it has are taken at once.
func (k *Kiosk) identities(d Deps) error {
	name := k.cfg.Name
	if name == "" {
		name = enrol.DeviceName("kiosk")
	}
	mk := func(device, kind, fixed string, counter int) *enrol.Identity {
		id := &enrol.Identity{Server: k.cfg.ServerURL, Name: device, Kind: kind, Fixed: fixed,
			File: k.cfg.TokenFile(kindFile(kind, counter)), Log: k.log, MinWait: d.EnrolWait, MaxWait: 8 * d.EnrolWait}
		id.Show = func(st enrol.Status) { k.showEnrolment(id, counter, st) }
		return id
	}
	if len(k.cfg.Buttons) > 0 || k.cfg.Touch.Enabled {
		k.id = mk(name, "kiosk", k.cfg.KioskToken, 0)
	}
	for i, p := range k.pads {
		p.id = mk(fmt.Sprintf("%s-pad-%d", name, p.counter), "pad", k.cfg.Pads[i].Token, p.counter)
	}
	for _, id := range k.allIdentities() {
		if err := id.Load(); err != nil {
			return fmt.Errorf("kiosk: %s: %w", id.Name, err)
		}
	}
	return nil
}

// kindFile names a device's token file in the state directory.
func kindFile(kind string, counter int) string {
	if kind == "pad" {
		return fmt.Sprintf("pad-%d", counter)
	}
	return kind
}

// kioskToken is the token the kiosk issues tickets with ("" while it has
// none).
func (k *Kiosk) kioskToken() string {
	if k.id == nil {
		return ""
	}
	return k.id.Token()
}

// refused sends a device back to enrolment when the server does not know
// its token any more (revoked: 401).
func (k *Kiosk) refused(id *enrol.Identity, token string, err error) {
	if id != nil && token != "" && hallclient.IsCode(err, hallq.EUNAUTHORIZED, "") {
		id.Revoked(token)
	}
}

// showEnrolment shows what a waiting device shows: the code on the
// console (standard output: the terminal with -sim, the journal under
// systemd), in State (the touch page, the -sim endpoint), and the device's
// lamp blinking.
func (k *Kiosk) showEnrolment(id *enrol.Identity, counter int, st enrol.Status) {
	e := Enrolment{Device: id.Name, Kind: id.Kind, Counter: counter, Code: st.Code, Rejected: st.Rejected}
	if st.Err != nil {
		e.Error = st.Err.Error()
	}
	k.update(func(s *State) {
		if st.Waiting() {
			s.Enrolling[id.Name] = e
		} else {
			delete(s.Enrolling, id.Name)
		}
	})
	switch {
	case st.Code != "":
		fmt.Fprintf(k.console, "ENROLMENT: tell the hall's admin this code: %s  (device %s, %s; approve it on the server's /admin page)\n", st.Code, id.Name, id.Kind)
	case st.Rejected:
		fmt.Fprintf(k.console, "ENROLMENT: the admin rejected %s; it asks again later\n", id.Name)
	case st.Err == nil:
		fmt.Fprintf(k.console, "ENROLMENT: %s is approved and working\n", id.Name)
	}
}

// Enrolling lists the devices waiting for approval, kiosk first.
func (s State) EnrollingList() []Enrolment {
	var out []Enrolment
	for _, e := range s.Enrolling {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind == "kiosk"
		}
		return out[i].Counter < out[j].Counter
	})
	return out
}

// blinkEnrolling blinks the lamp of every device that waits for approval
// (the kiosk's server lamp, a pad's own lamp), so whoever installs it sees
// at the hardware that the admin's approval is missing.
func (k *Kiosk) blinkEnrolling(ctx context.Context) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	on := false
	was := map[*button.LED]bool{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		on = !on
		s := k.State()
		blink := map[*button.LED]bool{}
		if k.id != nil {
			if _, waiting := s.Enrolling[k.id.Name]; waiting {
				blink[k.lamps.server] = true
			}
		}
		for _, p := range k.pads {
			if _, waiting := s.Enrolling[p.id.Name]; waiting {
				blink[p.led] = true
			}
		}
		for led := range blink {
			led.Set(on)
		}
		for led := range was {
			if !blink[led] {
				// Approved: the lamp goes back to what it says otherwise.
				if led == k.lamps.server {
					led.Set(s.ServerDown)
				} else {
					led.Set(false)
				}
			}
		}
		was = blink
	}
}

// name is the kiosk's own device name ("" when it issues no tickets).
func (k *Kiosk) name() string {
	if k.id == nil {
		return ""
	}
	return k.id.Name
}

// allIdentities lists the kiosk's and its pads' tokens.
func (k *Kiosk) allIdentities() []*enrol.Identity {
	var ids []*enrol.Identity
	if k.id != nil {
		ids = append(ids, k.id)
	}
	for _, p := range k.pads {
		ids = append(ids, p.id)
	}
	return ids
}

package config

import (
	"fmt"

	"github.com/hallq/hallq"
)

// Demo is the demo hall: a ward's one-stop desk in Nha Trang with five
// procedure areas and six counters, open all day every day so that it can
// be tried at any hour.
func Demo() *Setup {
	s := hallq.DefaultSettings()
	s.Name = "Bộ phận Một cửa UBND phường Lộc Thọ, TP. Nha Trang"
	s.Notice = "Công dân vui lòng giữ phiếu và chú ý màn hình. Please keep your ticket and watch the screen."
	s.Holidays = DemoHolidays()
	services := []hallq.Service{
		{Code: "A", NameVI: "Hộ tịch", NameEN: "Civil status", RangeFrom: 1001, RangeTo: 1999, TargetWaitMin: 15},
		{Code: "B", NameVI: "Chứng thực", NameEN: "Certification", RangeFrom: 2001, RangeTo: 2999, TargetWaitMin: 10},
		{Code: "C", NameVI: "Đất đai", NameEN: "Land", RangeFrom: 3001, RangeTo: 3999, TargetWaitMin: 20},
		{Code: "D", NameVI: "Xây dựng", NameEN: "Construction", RangeFrom: 4001, RangeTo: 4999, TargetWaitMin: 20},
		{Code: "E", NameVI: "Đăng ký kinh doanh", NameEN: "Business registration", RangeFrom: 5001, RangeTo: 5999, TargetWaitMin: 15},
	}
	for i := range services {
		services[i].Order = i
	}
	// Hộ tịch and Đất đai take bookings (issue 19), so that booking and
	// check-in can be tried on the demo at any hour: it is open all day.
	for _, i := range []int{0, 2} {
		services[i].Booking = new(hallq.DefaultBookingSettings())
	}
	serves := [][]string{{"A", "B"}, {"A", "B"}, {"B", "A"}, {"C", "D"}, {"D", "C"}, {"E", "A"}}
	var counters []hallq.Counter
	for i, sv := range serves {
		counters = append(counters, hallq.Counter{ID: i + 1, Name: fmt.Sprintf("Quầy %d", i+1), Services: sv, State: hallq.CounterClosed})
	}
	return &Setup{Settings: s, Services: services, Counters: counters}
}

// DemoHolidays are Việt Nam's public holidays of 2025–2027 as a ward's
// one-stop desk observes them (Tết and the days given in compensation
// included), for the demo hall and its seeded history. A real hall lists
// its own each year in hall.toml.
func DemoHolidays() []string {
	return []string{
		"2025-01-01",
		"2025-01-25", "2025-01-26", "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01", "2025-02-02",
		"2025-04-07", "2025-04-30", "2025-05-01", "2025-05-02",
		"2025-09-01", "2025-09-02",
		"2026-01-01",
		"2026-02-14", "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22",
		"2026-04-26", "2026-04-27", "2026-04-30", "2026-05-01",
		"2026-09-01", "2026-09-02",
		"2027-01-01",
		"2027-02-04", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10",
		"2027-04-16", "2027-04-30", "2027-05-01", "2027-05-03",
		"2027-09-02", "2027-09-03",
	}
}

// DemoAccount is a demo staff login.
type DemoAccount struct {
	Username, Password string
	Role               hallq.Role
}

// DemoAccounts are the demo hall's staff logins. They are for trying hallq
// on a laptop, never for a real hall.
func DemoAccounts() []DemoAccount {
	out := []DemoAccount{
		{"admin", "demo-admin", hallq.RoleAdmin},
		{"quanly", "demo-quanly", hallq.RoleManager},
	}
	for i := 1; i <= 6; i++ {
		out = append(out, DemoAccount{fmt.Sprintf("canbo%d", i), "demo-canbo", hallq.RoleOfficer})
	}
	return out
}

// DemoDevice is a demo device with a fixed token.
type DemoDevice struct {
	Device hallq.Device
	Token  string
}

// DemoDevices are the demo hall's devices, with fixed tokens so that the
// README's curl examples work as written.
func DemoDevices() []DemoDevice {
	out := []DemoDevice{
		{hallq.Device{Name: "kiosk-1", Kind: hallq.DeviceKiosk}, "demo-kiosk-1"},
		{hallq.Device{Name: "display-hall", Kind: hallq.DeviceDisplay}, "demo-display-hall"},
	}
	for i := 1; i <= 6; i++ {
		out = append(out, DemoDevice{hallq.Device{Name: fmt.Sprintf("pad-%d", i), Kind: hallq.DevicePad, Counter: i}, fmt.Sprintf("demo-pad-%d", i)})
	}
	return out
}

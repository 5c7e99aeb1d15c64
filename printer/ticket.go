// Package printer lays out hallq's tickets for ESC/POS thermal printers.
//
// A Layout turns a Ticket (plain data, no server types) into the bytes for
// one printer profile: paper width and how Vietnamese is printed (Mode).
// Sub-packages hold the pieces: escpos (command encoder), codepage (TCVN-3
// and CP1258), raster (TrueType text to GS v 0 bitmaps), transport (device
// file, serial, TCP 9100, all with timeouts), status (DLE EOT), decode
// (ESC/POS back to a PNG) and printertest (a fake printer).
package printer

import (
	"fmt"
	"time"
)

// Language selects the ticket's text.
type Language string

// Languages.
const (
	Vietnamese Language = "vi"
	English    Language = "en"
	Bilingual  Language = "vi+en" // Vietnamese, with English in small type below
)

// Ticket is what a ticket shows. The kiosk fills it from the server's answer.
type Ticket struct {
	Hall      string // hall name, e.g. "Bộ phận Một cửa UBND phường Lộc Thọ"
	ServiceVI string // procedure area in Vietnamese, e.g. "Hộ tịch"
	ServiceEN string // and in English, e.g. "Civil status"
	Label     string // printed number, e.g. "A001" or "1025"; ASCII
	Number    int    // the number within the service, for callers that keep it
	IssuedAt  time.Time
	// Ahead is how many people wait before this ticket.
	Ahead int
	// EstimatedWaitSeconds is the expected wait; negative when unknown, and
	// then the line is left off.
	EstimatedWaitSeconds int
	StatusURL            string // ASCII; encoded in the QR code
	// SlotAt is the start of the booked slot for a citizen who checked in
	// with a booking ("Lịch hẹn 08:15"); zero for a walk-in.
	SlotAt   time.Time
	Footer   string // "" for the language's default
	Language Language
}

// Texts are the fixed phrases of a ticket in one language. A hall may
// change any of them.
type Texts struct {
	YourNumber   string // heading above the number
	Issued       string // Sprintf format: time, date
	Ahead        string // Sprintf format: count
	Wait         string // Sprintf format: minutes
	WaitOne      string // the same for one minute, where the language says it otherwise ("" = Wait)
	Booked       string // Sprintf format: the booked slot's start, e.g. 08:15
	ScanQR       string
	Footer       string
	OutOfPaper   string
	OutOfPaperHd string
}

// TextsVI are the Vietnamese defaults (docs/GLOSSARY.md).
var TextsVI = Texts{
	YourNumber:   "Số thứ tự của bạn",
	Issued:       "Giờ lấy số: %s ngày %s",
	Ahead:        "Số người đang chờ trước bạn: %d",
	Wait:         "Thời gian chờ dự kiến: khoảng %d phút",
	Booked:       "Lịch hẹn %s",
	ScanQR:       "Quét mã QR để theo dõi lượt của bạn",
	Footer:       "Vui lòng giữ phiếu và chú ý màn hình",
	OutOfPaper:   "Máy in hết giấy — vui lòng báo cán bộ",
	OutOfPaperHd: "HẾT GIẤY",
}

// TextsEN are the English defaults.
var TextsEN = Texts{
	YourNumber:   "Your number",
	Issued:       "Issued at %s on %s",
	Ahead:        "People ahead of you: %d",
	Wait:         "Estimated wait: about %d minutes",
	WaitOne:      "Estimated wait: about %d minute",
	Booked:       "Appointment %s",
	ScanQR:       "Scan the QR code to follow your turn",
	Footer:       "Please keep this ticket and watch the screen",
	OutOfPaper:   "Printer out of paper — please tell an officer",
	OutOfPaperHd: "OUT OF PAPER",
}

func (t Texts) all() []string {
	return []string{t.YourNumber, t.Issued, t.Ahead, t.Wait, t.WaitOne, t.Booked, t.ScanQR, t.Footer, t.OutOfPaper, t.OutOfPaperHd}
}

// wait is the estimated-wait line for m minutes.
func (t Texts) wait(m int) string {
	if m == 1 && t.WaitOne != "" {
		return fmt.Sprintf(t.WaitOne, m)
	}
	return fmt.Sprintf(t.Wait, m)
}

// waitMinutes rounds a wait up to whole minutes, at least one.
func waitMinutes(sec int) int {
	m := (sec + 59) / 60
	if m < 1 {
		m = 1
	}
	return m
}

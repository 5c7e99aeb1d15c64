package display

import (
	"fmt"
	"time"

	"github.com/hallq/hallq"
)

// Modes: what a display shows.
const (
	ModeHall    = "hall"    // the last calls and the queues
	ModeCounter = "counter" // one counter's number
)

// View is what a renderer draws.
type View struct {
	Mode    string
	Counter int    // for ModeCounter
	Lang    string // "vi" or "en"
	Rows    int    // calls listed in ModeHall
	State   *State
	Now     time.Time // the hall's time, for the clock
	// Fresh: the newest call was made a moment ago (renderers highlight it).
	Fresh bool
	// Enrol, when set, is all the screen shows: the display waits for the
	// hall's admin to approve it (zero-touch enrolment).
	Enrol *EnrolView
}

// EnrolView is what a display waiting for enrolment shows.
type EnrolView struct {
	Code     string // to tell the admin; "" when there is none (rejected, failed)
	Rejected bool   // the admin rejected the last request
	Failed   string // why the request failed, if it did
	Device   string // the name the display asked for
	Server   string
}

// EnrolLines are an enrolment screen's lines: a heading, the code (or what
// went wrong), what to do, and the device and server.
func EnrolLines(lang string, e *EnrolView) (title, code, hint, detail string) {
	title, code, hint = word(lang, "enrol_title"), e.Code, word(lang, "enrol_hint")
	switch {
	case e.Rejected:
		code, hint = "—", word(lang, "enrol_rejected")
	case e.Failed != "":
		code, hint = "—", e.Failed
	}
	detail = e.Device + " · " + e.Server
	return title, code, hint, detail
}

// Renderer draws views on a screen.
type Renderer interface {
	// Render draws v; an error means the screen could not be written.
	Render(v View) error
}

// words in each language (docs/GLOSSARY.md).
var words = map[string]map[string]string{
	"vi": {"counter": "Quầy số", "number": "Số thứ tự", "waiting": "Đang chờ", "offline": "Mất kết nối máy chủ",
		"open": "Đang mở", "paused": "Tạm dừng", "closed": "Đóng quầy", "called": "Mời đến quầy", "serving": "Đang phục vụ",
		"none":        "Chưa có số nào được gọi",
		"enrol_title": "Thiết bị chưa được đăng ký", "enrol_code": "Mã đăng ký",
		"enrol_hint":     "Báo mã này cho quản trị viên để duyệt",
		"enrol_rejected": "Quản trị viên đã từ chối thiết bị này; sẽ hỏi lại sau"},
	"en": {"counter": "Counter", "number": "Number", "waiting": "Waiting", "offline": "Disconnected",
		"open": "Open", "paused": "Paused", "closed": "Closed", "called": "Please come", "serving": "Now serving",
		"none":        "No number called yet",
		"enrol_title": "This device is not enrolled yet", "enrol_code": "Enrolment code",
		"enrol_hint":     "Tell the administrator this code to approve it",
		"enrol_rejected": "The administrator rejected this device; it will ask again later"},
}

func word(lang, key string) string {
	if w, ok := words[lang]; ok {
		return w[key]
	}
	return words["vi"][key]
}

// counterLine is the counter's state as words.
func counterLine(lang string, c *hallq.Counter) string {
	if c == nil {
		return ""
	}
	if c.State == hallq.CounterOpen && c.Current != nil {
		if c.Current.State == hallq.StateServing {
			return word(lang, "serving")
		}
		return word(lang, "called")
	}
	return word(lang, string(c.State))
}

func serviceName(lang string, s hallq.ServiceView) string {
	if lang == "en" && s.NameEN != "" {
		return s.NameEN
	}
	return s.NameVI
}

func clock(t time.Time) string { return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute()) }

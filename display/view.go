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
		"none": "Chưa có số nào được gọi"},
	"en": {"counter": "Counter", "number": "Number", "waiting": "Waiting", "offline": "Disconnected",
		"open": "Open", "paused": "Paused", "closed": "Closed", "called": "Please come", "serving": "Now serving",
		"none": "No number called yet"},
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

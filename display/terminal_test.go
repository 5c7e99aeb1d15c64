package display_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hallq/hallq/display"
)

func TestTerminal(t *testing.T) {
	var b bytes.Buffer
	term := &display.Terminal{Out: &b, Width: 60}
	st := sampleState()
	if err := term.Render(display.View{Mode: display.ModeHall, Lang: "vi", State: st}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"\x1b[H\x1b[2J", "Bộ phận Một cửa", "1025", "→ 3", "Hộ tịch", "  12"} {
		if !strings.Contains(out, want) {
			t.Errorf("hall view lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "1025") > strings.Index(out, "2007") {
		t.Error("newest call is not first")
	}
	b.Reset()
	st.Online = false
	term.Render(display.View{Mode: display.ModeCounter, Counter: 3, Lang: "en", State: st})
	out = b.String()
	for _, want := range []string{"Disconnected", "Counter 3", "█", "Please come"} {
		if !strings.Contains(out, want) {
			t.Errorf("counter view lacks %q:\n%s", want, out)
		}
	}
	if got := display.BigText("10"); got[0] != "   █   █████" {
		t.Errorf("BigText: %q", got[0])
	}
}

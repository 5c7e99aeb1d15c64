package staff_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/browsertest"
	"github.com/hallq/hallq/server/servertest"
)

// TestAdminKeepsEdits: the admin page reads everything again after each
// save. What the admin is typing elsewhere and has not saved — a
// procedure's name, the hall's name in the settings — stays, and so does
// the focus in the field being typed into; what was saved shows what the
// server kept.
func TestAdminKeepsEdits(t *testing.T) {
	b := browsertest.Start(t)
	h := servertest.Start(t, servertest.Options{})
	tab := b.Tab(t, browsertest.TabOptions{OwnCookies: true})
	signInAt(t, tab, h.URL, "admin", "/admin")
	nameB := `#services tr[data-service="B"] input.svc-name`
	tab.Wait(t, `!!document.querySelector('`+nameB+`') && document.getElementById("set-name").value !== ""`)
	value := func(sel string) string {
		t.Helper()
		v, err := browsertest.Eval[string](tab, `document.querySelector('`+sel+`').value`)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	saved := func() {
		t.Helper()
		tab.Wait(t, `(document.getElementById("flash") || {}).textContent === "Đã lưu."`)
		clearFlash(t, tab)
	}
	if err := chromedp.Do(tab.Ctx,
		chromedp.SendKeys(chromedp.ID("set-name"), " (tạm)"),
		chromedp.SendKeys(chromedp.CSS(nameB), " mới"),
	); err != nil {
		t.Fatal(err)
	}
	clearFlash(t, tab)
	// A save of a moment ago (counter 1's row) completes while the admin
	// types in procedure B's name.
	if _, err := browsertest.Eval[bool](tab, `(document.querySelector("#counters tr:first-child button").click(), true)`); err != nil {
		t.Fatal(err)
	}
	saved()
	if v := value(nameB); !strings.Contains(v, "mới") {
		t.Errorf("procedure B's name reads %q after another row was saved; the typing was lost", v)
	}
	if ok, _ := browsertest.Eval[bool](tab, `document.activeElement === document.querySelector('`+nameB+`')`); !ok {
		t.Error("the focus left procedure B's name when another row was saved")
	}
	if v := value("#set-name"); !strings.Contains(v, "(tạm)") {
		t.Errorf("the hall's name reads %q after a row was saved; the typing was lost", v)
	}

	// Each saved in turn: the server has it, the page shows it.
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.CSS(`#services tr[data-service="B"] button.svc-save`))); err != nil {
		t.Fatal(err)
	}
	saved()
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.ID("settings-save"))); err != nil {
		t.Fatal(err)
	}
	saved()
	var hv hallq.HallView
	h.Do("GET", "/api/v1/hall", "", nil, &hv)
	nameBSaved := ""
	for _, s := range hv.Services {
		if s.Code == "B" {
			nameBSaved = s.NameVI
		}
	}
	if !strings.Contains(nameBSaved, "mới") || value(nameB) != nameBSaved {
		t.Errorf("procedure B saved as %q, the page shows %q", nameBSaved, value(nameB))
	}
	var set hallq.Settings
	h.Do("GET", "/api/v1/settings", h.Login("admin"), nil, &set)
	if !strings.Contains(set.Name, "(tạm)") || value("#set-name") != set.Name {
		t.Errorf("the hall's name saved as %q, the page shows %q", set.Name, value("#set-name"))
	}
}

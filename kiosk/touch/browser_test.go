package touch

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/browsertest"
)

// names are procedure areas as Vietnamese halls name them, long ones too.
var names = []string{"Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Đăng ký kinh doanh",
	"Lao động – Thương binh và Xã hội", "Tư pháp – Quốc tịch", "Giao thông vận tải",
	"Tài nguyên và Môi trường", "Văn hoá – Thông tin – Thể thao", "Y tế – Bảo hiểm xã hội", "Giáo dục và Đào tạo"}

// fakeHall serves n services with busy queues.
type fakeHall struct {
	mu sync.Mutex
	n  int
}

func (f *fakeHall) hall(context.Context) (*hallq.HallView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := &hallq.HallView{}
	h.Hall.Name = "Bộ phận Một cửa UBND phường Lộc Thọ, TP. Nha Trang"
	for i := range f.n {
		s := hallq.ServiceView{Service: hallq.Service{Code: string(rune('A' + i)), NameVI: names[i], NameEN: "Procedure " + string(rune('A'+i))},
			Open: i != 3, Waiting: 12 + i, EstimatedWaitS: 1500 + 60*i}
		if !s.Open {
			s.Closed = "daily_cap"
		}
		h.Services = append(h.Services, s)
	}
	return h, nil
}

func (f *fakeHall) set(n int) {
	f.mu.Lock()
	f.n = n
	f.mu.Unlock()
}

func settle(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	if err := tab.Settle(); err != nil {
		t.Fatal(err)
	}
}

// TestTouchLayout: for 1 to 12 services, at every kiosk screen size (the
// official 7" Raspberry Pi display at 800×480 first), every service button
// and the priority button are on screen without scrolling, each painted
// where it is and its text whole inside it; in English too.
func TestTouchLayout(t *testing.T) {
	b := browsertest.Start(t)
	f := &fakeHall{n: 5}
	h := Handler(Options{
		Hall: f.hall,
		Take: func(context.Context, string, string) Outcome {
			return Outcome{OK: true, Label: "1025", Ahead: 1, WaitS: 60}
		},
		Status:   func() Status { return Status{} },
		Priority: true, PriorityKind: "elderly",
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	tab := b.Tab(t, browsertest.TabOptions{})
	if err := tab.Navigate(srv.URL + "/"); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `document.querySelectorAll(".svc").length === 5`)
	look := browsertest.Layout{
		Seen:  []string{".svc", "#priority", "#lang", "#hall", "#prompt"},
		Whole: []string{".svc", "#priority", "#lang"},
	}
	for n := 1; n <= len(names); n++ {
		f.set(n)
		if _, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[bool](`refresh().then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
		tab.Wait(t, fmt.Sprintf(`document.querySelectorAll(".svc").length === %d`, n))
		for _, v := range browsertest.Kiosks {
			if err := tab.Resize(v); err != nil {
				t.Fatal(err)
			}
			settle(t, tab)
			tab.MustLayout(t, v, look)
		}
	}
	// English, the longest texts, on the smallest screen.
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.ID("lang"))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `document.getElementById("prompt").textContent === "Please choose your procedure"`)
	for _, v := range browsertest.Kiosks[:2] {
		if err := tab.Resize(v); err != nil {
			t.Fatal(err)
		}
		settle(t, tab)
		tab.MustLayout(t, v, look)
	}
	// The ticket's card, on the 7" screen.
	if err := tab.Resize(browsertest.Kiosks[0]); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab.Ctx, chromedp.Click(chromedp.CSS(`.svc[data-service="A"]`))); err != nil {
		t.Fatal(err)
	}
	tab.Wait(t, `document.getElementById("card-number").textContent === "1025"`)
	tab.MustLayout(t, browsertest.Kiosks[0], browsertest.Layout{Seen: []string{"#card-head", "#card-number", "#card-text"}, Whole: []string{"#card"}})
	if got, _ := browsertest.Eval[string](tab, `document.getElementById("card-text").textContent`); !strings.Contains(got, "about 1 minute.") {
		t.Errorf("the card reads %q, want \"about 1 minute\"", got)
	}
}

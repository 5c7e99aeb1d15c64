package announce

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestVietnameseNumber(t *testing.T) {
	for n, want := range map[int]string{
		0: "không", 1: "một", 5: "năm", 10: "mười", 11: "mười một", 14: "mười bốn", 15: "mười lăm",
		20: "hai mươi", 21: "hai mươi mốt", 24: "hai mươi tư", 25: "hai mươi lăm", 99: "chín mươi chín",
		100: "một trăm", 101: "một trăm linh một", 105: "một trăm linh năm", 110: "một trăm mười",
		115: "một trăm mười lăm", 1000: "một nghìn", 1001: "một nghìn không trăm linh một",
		1025: "một nghìn không trăm hai mươi lăm", 1999: "một nghìn chín trăm chín mươi chín",
		2010: "hai nghìn không trăm mười", 21000: "hai mươi mốt nghìn", 1_000_005: "một triệu không trăm linh năm",
	} {
		if got := VietnameseNumber(n); got != want {
			t.Errorf("VietnameseNumber(%d): got %q, want %q", n, got, want)
		}
	}
}

func TestEnglishNumber(t *testing.T) {
	for n, want := range map[int]string{0: "zero", 3: "three", 12: "twelve", 40: "forty", 1025: "one thousand twenty five", 300: "three hundred"} {
		if got := EnglishNumber(n); got != want {
			t.Errorf("EnglishNumber(%d): got %q, want %q", n, got, want)
		}
	}
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name, lang, tmpl, label string
		counter                 int
		digits                  bool
		want                    string
	}{
		{"glossary default", "vi", "Xin mời công dân có số thứ tự {number} đến quầy số {counter}", "1025", 3, false,
			"xin mời công dân có số thứ tự một nghìn không trăm hai mươi lăm đến quầy số ba"},
		{"digit by digit", "vi", "Xin mời công dân có số thứ tự {number} đến quầy số {counter}", "1025", 3, true,
			"xin mời công dân có số thứ tự một không hai năm đến quầy số ba"},
		{"prefixed label", "vi", "Mời khách hàng số {number} đến quầy số {counter}", "A012", 12, false,
			"mời khách hàng số a mười hai đến quầy số mười hai"},
		{"prefixed digits", "vi", "Mời khách hàng số {number}, quầy {counter}.", "B007", 1, true,
			"mời khách hàng số bê không không bảy quầy một"},
		{"english", "en", "Number {number}, please go to counter {counter}", "1025", 3, false,
			"number one thousand twenty five please go to counter three"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Build(tc.lang, tc.tmpl, Call{Label: tc.label, Counter: tc.counter}, tc.digits)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Text(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := Build("vi", "Mời số {number}", Call{Label: "1"}, false); err == nil {
		t.Error("a template without {counter} was accepted")
	}
}

func TestWAVRoundTrip(t *testing.T) {
	p := &PCM{Rate: 16000, Samples: []int16{0, 1000, -1000, 32767, -32768}}
	got, err := DecodeWAV(EncodeWAV(p))
	if err != nil {
		t.Fatal(err)
	}
	if got.Rate != 16000 || len(got.Samples) != 5 || got.Samples[3] != 32767 || got.Samples[1] != 1000 {
		t.Errorf("got %+v, want %+v", got, p)
	}
	r := p.Resample(32000)
	if len(r.Samples) != 10 || r.Rate != 32000 {
		t.Errorf("resampled to %d samples at %d, want 10 at 32000", len(r.Samples), r.Rate)
	}
	if _, err := DecodeWAV([]byte("RIFF....WAVEjunk")); err == nil {
		t.Error("junk decoded")
	}
}

// TestEspeakVietnamese: the espeak-ng path makes a playable WAV of a
// Vietnamese call, and keeps it for next time.
func TestEspeakVietnamese(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng is not installed (on Debian: apt-get install espeak-ng); the espeak path is not tested here")
	}
	cache := t.TempDir()
	a := New(cache)
	cfg := Config{Engine: EngineEspeak, Voice: "vi", VoiceEN: "en",
		Phrase: "Xin mời công dân có số thứ tự {number} đến quầy số {counter}", PhraseEN: "Number {number}, please go to counter {counter}"}
	wav, err := a.WAV(context.Background(), cfg, Call{Label: "1025", Counter: 3})
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodeWAV(wav)
	if err != nil {
		t.Fatal(err)
	}
	chime := Chime(Rate).Duration()
	speech := p.Duration() - chime - 0.3
	if p.Rate != Rate || speech < 1.5 || speech > 10 {
		t.Errorf("%.2f s of speech at %d Hz, want 1.5–10 s at %d (espeak-ng says the sentence in about 3 s)", speech, p.Rate, Rate)
	}
	// Speech, not silence: the RMS after the chime.
	var sum float64
	tail := p.Samples[int(chime*Rate):]
	for _, s := range tail {
		sum += float64(s) * float64(s)
	}
	if rms := math.Sqrt(sum / float64(len(tail))); rms < 300 {
		t.Errorf("speech RMS %.0f: nearly silent", rms)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "*.wav"))
	if len(files) != 1 {
		t.Errorf("%d phrases cached, want 1", len(files))
	}
	// What a player reads: sox, where it is installed, agrees on the format.
	if soxi, err := exec.LookPath("soxi"); err == nil {
		f := filepath.Join(t.TempDir(), "call.wav")
		os.WriteFile(f, wav, 0o644)
		out, err := exec.Command(soxi, f).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "16-bit Signed Integer PCM") {
			t.Errorf("soxi: %v\n%s", err, out)
		}
	}
	// English too, when asked.
	cfg.English = true
	wav2, err := a.WAV(context.Background(), cfg, Call{Label: "1025", Counter: 3})
	if err != nil {
		t.Fatal(err)
	}
	if p2, _ := DecodeWAV(wav2); p2.Duration() < p.Duration()+1 {
		t.Errorf("with English %.1f s, without %.1f s: English missing", p2.Duration(), p.Duration())
	}
}

func TestEspeakMissing(t *testing.T) {
	e := &Espeak{Path: "/nonexistent/espeak-ng"}
	_, err := e.Speak(context.Background(), Phrase{Lang: "vi", Pieces: []string{"một"}})
	if !errors.Is(err, ErrNoEspeak) {
		t.Errorf("got %v, want ErrNoEspeak", err)
	}
}

func tone(secs float64, rate int) []byte {
	p := &PCM{Rate: rate, Samples: make([]int16, int(secs*float64(rate)))}
	for i := range p.Samples {
		p.Samples[i] = int16(5000 * math.Sin(float64(i)/5))
	}
	return EncodeWAV(p)
}

func TestClips(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "vi"), 0o755)
	// The phrase's first part as one clip; the second word by word; clips
	// at another rate are converted.
	os.WriteFile(filepath.Join(dir, "vi", "mời số.wav"), tone(0.5, 44100), 0o644)
	for _, w := range []string{"quầy", "một", "ba", "hai", "không", "trăm", "nghìn", "mươi", "lăm"} {
		os.WriteFile(filepath.Join(dir, "vi", w+".wav"), tone(0.1, 22050), 0o644)
	}
	cfg := Config{Engine: EngineClips, Clips: dir, Phrase: "Mời số {number}, quầy {counter}"}
	wav, err := New("").WAV(context.Background(), cfg, Call{Label: "1025", Counter: 3})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := DecodeWAV(wav)
	// chime + 0.5 + 7 number words + "quầy" + "ba" + 0.3 s of silence
	want := Chime(Rate).Duration() + 0.5 + 9*0.1 + 0.3
	if math.Abs(p.Duration()-want) > 0.01 {
		t.Errorf("%.3f s, want %.3f", p.Duration(), want)
	}
	_, err = New("").WAV(context.Background(), cfg, Call{Label: "1007", Counter: 3})
	if err == nil || !strings.Contains(err.Error(), "linh.wav") || !strings.Contains(err.Error(), "bảy.wav") {
		t.Errorf("missing clips: got %v, want an error naming linh.wav and bảy.wav", err)
	}
}

// TestAnnouncerMakesOnce: concurrent requests for one call share one run.
func TestAnnouncerMakesOnce(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "vi"), 0o755)
	for _, w := range []string{"số", "quầy", "một", "hai"} {
		os.WriteFile(filepath.Join(dir, "vi", w+".wav"), tone(0.05, 22050), 0o644)
	}
	a := New("")
	cfg := Config{Engine: EngineClips, Clips: dir, Phrase: "số {number} quầy {counter}"}
	var wg sync.WaitGroup
	out := make([][]byte, 8)
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], _ = a.WAV(context.Background(), cfg, Call{Label: "2", Counter: 1})
		}()
	}
	wg.Wait()
	for i := range out {
		if len(out[i]) == 0 || &out[i][0] != &out[0][0] {
			t.Fatalf("request %d got a different or no result", i)
		}
	}
}

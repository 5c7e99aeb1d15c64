package config

import (
	"os"
	"strings"

	"github.com/hallq/hallq"
	"github.com/hallq/hallq/internal/tomlconf"
)

// announceSection is [announcements]: how calls are spoken on the displays.
//
//	[announcements]
//	engine = "espeak"            # espeak, clips or off
//	voice = "vi"                 # vi, vi-VN-x-central, vi-VN-x-south
//	clips = "/srv/hallq/clips"   # for engine = "clips"
//	phrase = "Xin mời công dân có số thứ tự {number} đến quầy số {counter}"
//	english = false
//	phrase_en = "Number {number}, please go to counter {counter}"
//	digits = false               # read 1025 as "một không hai năm"
type announceSection struct {
	Engine   *string `toml:"engine"`
	Voice    *string `toml:"voice"`
	Clips    *string `toml:"clips"`
	Phrase   *string `toml:"phrase"`
	PhraseEN *string `toml:"phrase_en"`
	English  *bool   `toml:"english"`
	Digits   *bool   `toml:"digits"`
}

func buildAnnounce(tf *tomlconf.File, a *announceSection, s *hallq.Settings) {
	set(&s.AnnounceEngine, a.Engine)
	set(&s.AnnounceVoice, a.Voice)
	set(&s.AnnounceClips, a.Clips)
	set(&s.AnnouncePhrase, a.Phrase)
	set(&s.AnnouncePhraseEN, a.PhraseEN)
	set(&s.AnnounceEnglish, a.English)
	set(&s.AnnounceDigits, a.Digits)
	switch s.AnnounceEngine {
	case hallq.AnnounceEspeak, hallq.AnnounceOff:
	case hallq.AnnounceClips:
		if s.AnnounceClips == "" {
			tf.Problemf("announcements.clips", "name the folder of recorded clips (engine = \"clips\")")
		} else if st, err := os.Stat(s.AnnounceClips); err != nil || !st.IsDir() {
			tf.Problemf("announcements.clips", "%q is not a folder", s.AnnounceClips)
		}
	default:
		tf.Problemf("announcements.engine", "must be espeak, clips or off, not %q", s.AnnounceEngine)
	}
	if s.AnnounceVoice == "" || strings.ContainsAny(s.AnnounceVoice, " /") {
		tf.Problemf("announcements.voice", "want an espeak-ng voice name such as \"vi\", not %q", s.AnnounceVoice)
	}
	for _, p := range []struct{ key, v string }{{"announcements.phrase", s.AnnouncePhrase}, {"announcements.phrase_en", s.AnnouncePhraseEN}} {
		if !strings.Contains(p.v, "{number}") || !strings.Contains(p.v, "{counter}") {
			tf.Problemf(p.key, "must contain {number} and {counter}")
		}
	}
}

// Package announce makes the audio of a call — a chime, then the call in
// Vietnamese ("Xin mời công dân có số thứ tự 1025 đến quầy số 3"),
// optionally again in English — on the hall server, with no Internet: from
// Debian's espeak-ng (a subprocess, each phrase cached as WAV) or from a
// folder of clips a hall recorded. Displays fetch the result as one WAV.
package announce

import (
	"container/list"
	"context"
	"fmt"
	"strings"
	"sync"
)

// Engines.
const (
	EngineEspeak = "espeak"
	EngineClips  = "clips"
	EngineOff    = "off"
)

// Speaker says a phrase.
type Speaker interface {
	// Speak returns the phrase as audio, or an error saying what is missing
	// (espeak-ng not installed, a clip not recorded).
	Speak(ctx context.Context, p Phrase) (*PCM, error)
}

// Config is how a hall's calls are announced (from hallq.Settings).
type Config struct {
	Engine   string // EngineEspeak, EngineClips or EngineOff
	Voice    string // espeak-ng voice for Vietnamese ("vi", "vi-VN-x-central", "vi-VN-x-south")
	VoiceEN  string // espeak-ng voice for English (default "en")
	Clips    string // folder of clips, for EngineClips
	Phrase   string // Vietnamese template with {number} and {counter}
	PhraseEN string // English template
	English  bool   // also say the call in English
	Digits   bool   // read the number digit by digit
}

// Announcer makes announcements and keeps the most recent ones in memory.
type Announcer struct {
	// CacheDir keeps espeak-ng's phrases across restarts ("" for none).
	CacheDir string

	mu    sync.Mutex
	clips map[string]*Clips // by folder, so loaded clips are kept
	lru   *list.List        // of *entry, most recent first
	byKey map[string]*list.Element
	busy  map[string]chan struct{} // keys being made, so one call is made once
}

type entry struct {
	key string
	wav []byte
}

// cacheSize is how many announcements are kept (each about 200 KB).
const cacheSize = 48

// New returns an announcer caching espeak-ng output in cacheDir.
func New(cacheDir string) *Announcer {
	return &Announcer{CacheDir: cacheDir, clips: map[string]*Clips{}, lru: list.New(),
		byKey: map[string]*list.Element{}, busy: map[string]chan struct{}{}}
}

// Phrases returns what would be said for c, per language, in order.
func Phrases(cfg Config, c Call) ([]Phrase, error) {
	vi, err := Build("vi", cfg.Phrase, c, cfg.Digits)
	if err != nil {
		return nil, err
	}
	out := []Phrase{vi}
	if cfg.English && cfg.PhraseEN != "" {
		en, err := Build("en", cfg.PhraseEN, c, cfg.Digits)
		if err != nil {
			return nil, err
		}
		out = append(out, en)
	}
	return out, nil
}

// WAV returns the announcement of c: chime, then each phrase, as a 16-bit
// mono WAVE file at Rate. Concurrent requests for the same announcement
// make it once.
func (a *Announcer) WAV(ctx context.Context, cfg Config, c Call) ([]byte, error) {
	if cfg.Engine == EngineOff {
		return nil, fmt.Errorf("announce: announcements are off")
	}
	phrases, err := Phrases(cfg, c)
	if err != nil {
		return nil, err
	}
	var kb strings.Builder
	fmt.Fprintf(&kb, "%s|%s|%s|%s", cfg.Engine, cfg.Voice, cfg.VoiceEN, cfg.Clips)
	for _, p := range phrases {
		kb.WriteString("|" + p.Lang + ":" + p.Text())
	}
	key := kb.String()
	for {
		a.mu.Lock()
		if el, ok := a.byKey[key]; ok {
			a.lru.MoveToFront(el)
			a.mu.Unlock()
			return el.Value.(*entry).wav, nil
		}
		wait, ok := a.busy[key]
		if !ok {
			a.busy[key] = make(chan struct{})
			a.mu.Unlock()
			break
		}
		a.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	wav, err := a.make(ctx, cfg, phrases)
	a.mu.Lock()
	close(a.busy[key])
	delete(a.busy, key)
	if err == nil {
		a.byKey[key] = a.lru.PushFront(&entry{key, wav})
		for a.lru.Len() > cacheSize {
			old := a.lru.Remove(a.lru.Back()).(*entry)
			delete(a.byKey, old.key)
		}
	}
	a.mu.Unlock()
	return wav, err
}

func (a *Announcer) make(ctx context.Context, cfg Config, phrases []Phrase) ([]byte, error) {
	var sp Speaker
	chime := Chime(Rate)
	switch cfg.Engine {
	case EngineClips:
		a.mu.Lock()
		cl := a.clips[cfg.Clips]
		if cl == nil {
			cl = &Clips{Dir: cfg.Clips}
			a.clips[cfg.Clips] = cl
		}
		a.mu.Unlock()
		if own := cl.Chime(); own != nil {
			chime = own
		}
		sp = cl
	case EngineEspeak, "":
		sp = &Espeak{Voices: map[string]string{"vi": cfg.Voice, "en": cfg.VoiceEN}, CacheDir: a.CacheDir}
	default:
		return nil, fmt.Errorf("announce: unknown engine %q (want espeak, clips or off)", cfg.Engine)
	}
	parts := []*PCM{chime}
	for i, p := range phrases {
		pcm, err := sp.Speak(ctx, p)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			parts = append(parts, Silence(Rate, 0.6))
		}
		parts = append(parts, pcm)
	}
	parts = append(parts, Silence(Rate, 0.3))
	return EncodeWAV(Concat(Rate, parts...)), nil
}

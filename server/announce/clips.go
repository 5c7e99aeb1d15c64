package announce

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/text/unicode/norm"
)

// Clips joins recorded clips that a hall supplies, in Dir:
//
//	Dir/chime.wav            optional: replaces the built-in chime
//	Dir/vi/<piece>.wav       Vietnamese pieces
//	Dir/en/<piece>.wav       English pieces (only if English is on)
//
// A piece is a literal part of the call phrase, lowercased, without
// punctuation ("xin mời công dân có số thứ tự.wav", "đến quầy số.wav"), or
// one word of a number or letter name ("một.wav", "mươi.wav", "mười.wav",
// "lăm.wav", "mốt.wav", "tư.wav", "linh.wav", "trăm.wav", "nghìn.wav",
// "a.wav", "bê.wav"…). A literal part that has no clip of its own is said
// word by word. File names are NFC UTF-8. Clips may have any rate and
// channel count: they are converted.
type Clips struct {
	Dir string

	mu    sync.Mutex
	cache map[string]*PCM
}

// Speak joins the clips for p's pieces.
func (c *Clips) Speak(ctx context.Context, p Phrase) (*PCM, error) {
	out := &PCM{Rate: Rate}
	var missing []string
	for _, piece := range p.Pieces {
		pcm, err := c.clip(p.Lang, piece)
		if errors.Is(err, fs.ErrNotExist) && strings.Contains(piece, " ") {
			for _, w := range strings.Fields(piece) {
				wp, werr := c.clip(p.Lang, w)
				if werr != nil {
					missing = append(missing, c.path(p.Lang, w))
					continue
				}
				out.Samples = append(out.Samples, wp.Samples...)
			}
			continue
		}
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				missing = append(missing, c.path(p.Lang, piece))
				continue
			}
			return nil, err
		}
		out.Samples = append(out.Samples, pcm.Samples...)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("announce: missing clips: %s", strings.Join(missing, ", "))
	}
	return out, nil
}

// Chime is the hall's chime.wav, or nil if it has none.
func (c *Clips) Chime() *PCM {
	p, err := c.load(filepath.Join(c.Dir, "chime.wav"))
	if err != nil {
		return nil
	}
	return p
}

func (c *Clips) path(lang, piece string) string {
	return filepath.Join(c.Dir, lang, norm.NFC.String(piece)+".wav")
}

func (c *Clips) clip(lang, piece string) (*PCM, error) {
	return c.load(c.path(lang, piece))
}

func (c *Clips) load(path string) (*PCM, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.cache[path]; ok {
		return p, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := DecodeWAV(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p = p.Resample(Rate)
	if c.cache == nil {
		c.cache = map[string]*PCM{}
	}
	c.cache[path] = p
	return p, nil
}

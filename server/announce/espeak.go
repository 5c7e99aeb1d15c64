package announce

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// espeakTimeout bounds one espeak-ng run; a call sentence takes well under
// a second to synthesise.
const espeakTimeout = 20 * time.Second

// Espeak speaks with Debian's espeak-ng, run as a subprocess, and keeps
// each phrase it has said as a WAV file in CacheDir, so a phrase is
// synthesised once.
type Espeak struct {
	// Path is the program (default "espeak-ng", found on $PATH).
	Path string
	// Voices per language; defaults "vi" and "en".
	Voices map[string]string
	// Speed in words per minute (espeak-ng's -s; default 150, a little
	// slower than its own 175, for a hall).
	Speed int
	// CacheDir keeps the WAV files; "" caches nothing.
	CacheDir string
}

// ErrNoEspeak is wrapped by Speak's error when espeak-ng is not installed.
var ErrNoEspeak = errors.New("announce: espeak-ng is not installed (on Debian: apt-get install espeak-ng)")

func (e *Espeak) voice(lang string) string {
	if v := e.Voices[lang]; v != "" {
		return v
	}
	return lang
}

// Speak says p with the voice for its language.
func (e *Espeak) Speak(ctx context.Context, p Phrase) (*PCM, error) {
	prog := e.Path
	if prog == "" {
		prog = "espeak-ng"
	}
	path, err := exec.LookPath(prog)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoEspeak, err)
	}
	speed := e.Speed
	if speed == 0 {
		speed = 150
	}
	voice, text := e.voice(p.Lang), p.Text()
	sum := sha256.Sum256([]byte(voice + "\x00" + strconv.Itoa(speed) + "\x00" + text))
	name := hex.EncodeToString(sum[:12]) + ".wav"
	if e.CacheDir != "" {
		if data, err := os.ReadFile(filepath.Join(e.CacheDir, name)); err == nil {
			if pcm, err := DecodeWAV(data); err == nil {
				return pcm, nil
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, espeakTimeout)
	defer cancel()
	// The text goes on stdin, so that nothing in it can be taken for an option.
	cmd := exec.CommandContext(ctx, path, "-v", voice, "-s", strconv.Itoa(speed), "--stdout")
	cmd.Stdin = strings.NewReader(text)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("announce: espeak-ng -v %s: %v: %s", voice, err, strings.TrimSpace(stderr.String()))
	}
	pcm, err := DecodeWAV(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("announce: espeak-ng -v %s: %w", voice, err)
	}
	if len(pcm.Samples) == 0 {
		return nil, fmt.Errorf("announce: espeak-ng -v %s said nothing (is the voice installed? espeak-ng --voices=%s)", voice, p.Lang)
	}
	if e.CacheDir != "" {
		e.store(name, EncodeWAV(pcm))
	}
	return pcm, nil
}

// store writes a cache file atomically; a failure only costs a re-run.
func (e *Espeak) store(name string, data []byte) {
	if err := os.MkdirAll(e.CacheDir, 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(e.CacheDir, ".tmp-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), filepath.Join(e.CacheDir, name)) != nil {
		os.Remove(tmp.Name())
	}
}

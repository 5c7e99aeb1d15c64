package display

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Console escapes (console_codes(4)).
const (
	escCursorOff = "\x1b[?25l"
	escCursorOn  = "\x1b[?25h"
	escNoBlank   = "\x1b[9;0]" // never blank the screen (setterm -blank 0)
)

// Console is the Linux virtual console (/dev/tty1) a display draws on or
// over. Taking it hides the cursor and keeps the screen from blanking; for
// a picture on the framebuffer it also switches the console to graphics
// mode (KD_GRAPHICS), so neither the login prompt nor kernel messages draw
// over it. Restore puts everything back, as a person at the console would
// expect after the display stops.
type Console struct {
	Path string
	w    io.WriteCloser
	kd   kdMode
	// text is the mode to restore; graphics whether we changed it.
	text     int
	graphics bool
}

// kdMode reads and sets a virtual console's KD mode.
type kdMode interface {
	get() (int, error)
	set(mode int) error
}

// KD modes (linux/kd.h).
const (
	kdText     = 0x00
	kdGraphics = 0x01
)

// errNotVT: the file is no virtual console (a pty, a plain file).
var errNotVT = errors.New("not a virtual console")

// TakeConsole opens the console at path and takes it for a display:
// graphics for a framebuffer picture, text (cursor hidden) for the
// terminal renderer. Graphics mode needs the console's owner or the
// CAP_SYS_TTY_CONFIG capability (the display unit grants it); without it
// the cursor is still hidden and err says why the console may draw.
func TakeConsole(path string, graphics bool) (*Console, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|noCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("display: console %s: %w (is the user in the tty group?)", path, err)
	}
	c := &Console{Path: path, w: f, kd: vtOf(f)}
	return c, c.take(graphics)
}

func (c *Console) take(graphics bool) error {
	var kerr error
	if graphics {
		mode, err := c.kd.get()
		if err == nil {
			// A console found in graphics mode was left so by a display
			// that did not stop cleanly (killed by the watchdog, the power
			// cut mid-restart): give it back in text mode, not as found.
			c.text = kdText
			if mode != kdGraphics {
				c.text = mode
			}
			err = c.kd.set(kdGraphics)
		}
		if err != nil {
			kerr = fmt.Errorf("display: console %s stays in text mode, so it may draw over the picture: %w (the unit needs AmbientCapabilities=CAP_SYS_TTY_CONFIG)", c.Path, err)
		} else {
			c.graphics = true
		}
	}
	_, werr := io.WriteString(c.w, escCursorOff+escNoBlank)
	if werr != nil {
		werr = fmt.Errorf("display: console %s: %w", c.Path, werr)
	}
	return errors.Join(kerr, werr)
}

// Write writes to the console (the terminal renderer's text).
func (c *Console) Write(p []byte) (int, error) { return c.w.Write(p) }

// Restore gives the console back: text mode as it was, the cursor shown.
func (c *Console) Restore() error {
	var err error
	if c.graphics {
		err = c.kd.set(c.text)
		c.graphics = false
	}
	_, werr := io.WriteString(c.w, escCursorOn)
	return errors.Join(err, werr, c.w.Close())
}

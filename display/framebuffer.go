package display

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// DefaultFont is DejaVu Sans Bold from Debian's fonts-dejavu-core, which
// covers Vietnamese.
const DefaultFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

// Colours: high contrast, as on the hall's TV page.
var (
	colBG      = color.RGBA{0x00, 0x1a, 0x3d, 0xff}
	colBar     = color.RGBA{0x00, 0x35, 0x80, 0xff}
	colText    = color.RGBA{0xff, 0xff, 0xff, 0xff}
	colDim     = color.RGBA{0x9f, 0xc3, 0xff, 0xff}
	colNumber  = color.RGBA{0xff, 0xd4, 0x00, 0xff}
	colOffline = color.RGBA{0xc0, 0x00, 0x00, 0xff}
	colBlack   = color.RGBA{0, 0, 0, 0xff}
)

// Framebuffer draws on a Linux framebuffer (/dev/fb0): 16-bit RGB565 or
// 32-bit XRGB8888, little-endian, as the Raspberry Pi's HDMI framebuffer is.
// Text is drawn with a TrueType font, so Vietnamese shows with its marks.
type Framebuffer struct {
	Out    io.WriterAt
	Width  int
	Height int
	BPP    int // 16 or 32
	Stride int // bytes per line (0: Width*BPP/8)

	font *opentype.Font
	// faces by pixel size
	faces map[int]font.Face
}

// NewFramebuffer draws on out with the given geometry and font file.
func NewFramebuffer(out io.WriterAt, width, height, bpp, stride int, fontPath string) (*Framebuffer, error) {
	if bpp != 16 && bpp != 32 {
		return nil, fmt.Errorf("framebuffer: %d bits per pixel; want 16 or 32 (set framebuffer_depth=32 in config.txt)", bpp)
	}
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("framebuffer: size %dx%d", width, height)
	}
	data, err := os.ReadFile(fontPath)
	if err != nil {
		return nil, fmt.Errorf("framebuffer: font: %w (on Debian: apt-get install fonts-dejavu-core)", err)
	}
	f, err := opentype.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("framebuffer: font %s: %w", fontPath, err)
	}
	if stride == 0 {
		stride = width * bpp / 8
	}
	return &Framebuffer{Out: out, Width: width, Height: height, BPP: bpp, Stride: stride, font: f, faces: map[int]font.Face{}}, nil
}

// SysGraphics is where Linux describes its framebuffers (fbN/virtual_size,
// bits_per_pixel, stride).
const SysGraphics = "/sys/class/graphics"

// OpenFramebuffer opens a framebuffer device (e.g. /dev/fb0), reading its
// geometry from graphics/fbN; graphics is SysGraphics but in tests, which
// stand a plain file in for the device and a directory for sysfs.
func OpenFramebuffer(dev, graphics, fontPath string) (*Framebuffer, *os.File, error) {
	sys := filepath.Join(graphics, filepath.Base(dev))
	readInts := func(name, sep string) ([]int, error) {
		b, err := os.ReadFile(filepath.Join(sys, name))
		if err != nil {
			return nil, err
		}
		var out []int
		for _, f := range strings.Split(strings.TrimSpace(string(b)), sep) {
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil, fmt.Errorf("%s: %q", name, b)
			}
			out = append(out, n)
		}
		return out, nil
	}
	size, err := readInts("virtual_size", ",")
	if err != nil || len(size) != 2 {
		return nil, nil, fmt.Errorf("framebuffer: %s: size: %v", dev, err)
	}
	bpp, err := readInts("bits_per_pixel", ",")
	if err != nil {
		return nil, nil, fmt.Errorf("framebuffer: %s: depth: %w", dev, err)
	}
	stride, err := readInts("stride", ",")
	if err != nil {
		stride = []int{0}
	}
	f, err := os.OpenFile(dev, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("framebuffer: %w (is the user in the video group?)", err)
	}
	fb, err := NewFramebuffer(f, size[0], size[1], bpp[0], stride[0], fontPath)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return fb, f, nil
}

// Render draws v and writes it to the framebuffer in one write.
func (fb *Framebuffer) Render(v View) error {
	img := fb.Draw(v)
	buf := make([]byte, fb.Stride*fb.Height)
	for y := 0; y < fb.Height; y++ {
		row := buf[y*fb.Stride:]
		for x := 0; x < fb.Width; x++ {
			c := img.RGBAAt(x, y)
			if fb.BPP == 32 {
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = c.B, c.G, c.R, 0xff
			} else {
				p := uint16(c.R>>3)<<11 | uint16(c.G>>2)<<5 | uint16(c.B>>3)
				row[2*x], row[2*x+1] = byte(p), byte(p>>8)
			}
		}
	}
	if _, err := fb.Out.WriteAt(buf, 0); err != nil {
		return fmt.Errorf("framebuffer: %w", err)
	}
	return nil
}

// ReadImage decodes framebuffer memory (as Render writes it) back to an
// image, for tests and screenshots.
func ReadImage(data []byte, width, height, bpp, stride int) *image.RGBA {
	if stride == 0 {
		stride = width * bpp / 8
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for y := 0; y < height; y++ {
		row := data[y*stride:]
		for x := 0; x < width; x++ {
			var c color.RGBA
			if bpp == 32 {
				c = color.RGBA{row[4*x+2], row[4*x+1], row[4*x], 0xff}
			} else {
				p := uint16(row[2*x]) | uint16(row[2*x+1])<<8
				r, g, b := byte(p>>11), byte(p>>5&0x3f), byte(p&0x1f)
				c = color.RGBA{r<<3 | r>>2, g<<2 | g>>4, b<<3 | b>>2, 0xff}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// Draw renders v as an image of the framebuffer's size.
func (fb *Framebuffer) Draw(v View) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, fb.Width, fb.Height))
	fill(img, img.Bounds(), colBG)
	W, H := fb.Width, fb.Height
	if v.Enrol != nil {
		title, code, hint, detail := EnrolLines(v.Lang, v.Enrol)
		fb.textCentered(img, title, image.Rect(0, H/12, W, H/4), H/12, colText)
		fb.textCentered(img, word(v.Lang, "enrol_code"), image.Rect(0, H/4, W, H/3), H/18, colDim)
		fb.textCentered(img, code, image.Rect(W/20, H/3, W-W/20, H*2/3), H/4, colNumber)
		fb.textCentered(img, hint, image.Rect(0, H*2/3, W, H*4/5), H/16, colText)
		fb.textCentered(img, detail, image.Rect(0, H*5/6, W, H*19/20), H/28, colDim)
		return img
	}
	if v.Mode == ModeCounter {
		fb.drawCounter(img, v)
	} else {
		fb.drawHall(img, v)
	}
	if v.State != nil && !v.State.Online {
		bar := image.Rect(0, 0, W, H/9)
		fill(img, bar, colOffline)
		fb.textCentered(img, word(v.Lang, "offline"), bar, H/16, colText)
	}
	return img
}

func (fb *Framebuffer) drawCounter(img *image.RGBA, v View) {
	W, H := fb.Width, fb.Height
	c := v.State.Counter(v.Counter)
	fb.textCentered(img, fmt.Sprintf("%s %d", word(v.Lang, "counter"), v.Counter), image.Rect(0, H/9, W, H/4), H/10, colDim)
	label := "—"
	if c != nil && c.Current != nil {
		label = c.Current.Label
	}
	numRect := image.Rect(W/20, H/4, W-W/20, H*3/4)
	col := colNumber
	if v.Fresh {
		fill(img, numRect, colNumber)
		col = colBlack
	}
	fb.textCentered(img, label, numRect, H*2/5, col)
	fb.textCentered(img, counterLine(v.Lang, c), image.Rect(0, H*3/4, W, H*9/10), H/13, colText)
}

func (fb *Framebuffer) drawHall(img *image.RGBA, v View) {
	W, H := fb.Width, fb.Height
	top := H / 9
	fill(img, image.Rect(0, 0, W, top), colBar)
	fb.text(img, v.State.Hall.Hall.Name, W/40, top*2/3, H/24, colText, W*3/4)
	if !v.Now.IsZero() {
		fb.textRight(img, clock(v.Now), W-W/40, top*3/4, H/14, colText)
	}
	rows := v.Rows
	if rows <= 0 {
		rows = 6
	}
	split := W * 62 / 100
	rowH := (H - top - H/20) / (rows + 1)
	fb.text(img, word(v.Lang, "number"), W/30, top+rowH*2/3, rowH/3, colDim, split/2)
	fb.textRight(img, word(v.Lang, "counter"), split-W/30, top+rowH*2/3, rowH/3, colDim)
	recent := v.State.Hall.Recent
	if len(recent) == 0 {
		fb.text(img, word(v.Lang, "none"), W/30, top+rowH*3/2, rowH/3, colDim, split)
	}
	for i := 0; i < rows && i < len(recent); i++ {
		ev := recent[i]
		y0 := top + rowH*(i+1)
		col := colText
		if i == 0 {
			fill(img, image.Rect(W/60, y0+rowH/12, split-W/60, y0+rowH), colNumber)
			col = colBlack
		}
		label := ""
		if ev.Ticket != nil {
			label = ev.Ticket.Label
		}
		base := y0 + rowH*4/5
		fb.text(img, label, W/30, base, rowH*7/10, col, split/2)
		fb.textRight(img, fmt.Sprintf("→ %d", ev.Counter), split-W/30, base, rowH*7/10, col)
	}
	x := split + W/40
	fb.text(img, word(v.Lang, "waiting"), x, top+rowH*2/3, rowH/3, colDim, W-x)
	for i, s := range v.State.Hall.Services {
		base := top + rowH*(i+1) + rowH*2/3
		if base > H {
			break
		}
		fb.text(img, serviceName(v.Lang, s), x, base, rowH*2/5, colText, W-x-W/10)
		fb.textRight(img, strconv.Itoa(s.Waiting), W-W/40, base, rowH/2, colNumber)
	}
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r, &image.Uniform{c}, image.Point{}, draw.Src)
}

func (fb *Framebuffer) face(px int) font.Face {
	px = max(px, 6)
	if f, ok := fb.faces[px]; ok {
		return f
	}
	f, err := opentype.NewFace(fb.font, &opentype.FaceOptions{Size: float64(px), DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil
	}
	fb.faces[px] = f
	return f
}

// fit shrinks the size until s is at most maxW wide.
func (fb *Framebuffer) fit(s string, px, maxW int) (font.Face, int) {
	for {
		f := fb.face(px)
		w := font.MeasureString(f, s).Ceil()
		if w <= maxW || px <= 8 {
			return f, w
		}
		px = px * maxW / w
		if px < 8 {
			px = 8
		}
	}
}

func (fb *Framebuffer) text(img *image.RGBA, s string, x, baseline, px int, c color.RGBA, maxW int) {
	f, _ := fb.fit(s, px, max(maxW, 1))
	d := font.Drawer{Dst: img, Src: &image.Uniform{c}, Face: f, Dot: fixed.P(x, baseline)}
	d.DrawString(s)
}

func (fb *Framebuffer) textRight(img *image.RGBA, s string, right, baseline, px int, c color.RGBA) {
	f, w := fb.fit(s, px, fb.Width)
	d := font.Drawer{Dst: img, Src: &image.Uniform{c}, Face: f, Dot: fixed.P(right-w, baseline)}
	d.DrawString(s)
}

// textCentered draws s centred in r, as large as px and r's width allow.
func (fb *Framebuffer) textCentered(img *image.RGBA, s string, r image.Rectangle, px int, c color.RGBA) {
	f, w := fb.fit(s, px, r.Dx()*9/10)
	m := f.Metrics()
	h := (m.Ascent + m.Descent).Ceil()
	base := r.Min.Y + (r.Dy()-h)/2 + m.Ascent.Ceil()
	d := font.Drawer{Dst: img, Src: &image.Uniform{c}, Face: f, Dot: fixed.P(r.Min.X+(r.Dx()-w)/2, base)}
	d.DrawString(s)
}

package announce

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Rate is the sample rate of every announcement (espeak-ng's own).
const Rate = 22050

// PCM is mono 16-bit audio.
type PCM struct {
	Rate    int
	Samples []int16
}

// Duration is the audio's length in seconds.
func (p *PCM) Duration() float64 {
	if p.Rate == 0 {
		return 0
	}
	return float64(len(p.Samples)) / float64(p.Rate)
}

// DecodeWAV reads a RIFF WAVE file of integer PCM (8, 16, 24 or 32 bits) or
// 32-bit float, any number of channels (mixed down to mono). A data chunk
// whose size overruns the file — what a program writing to a pipe leaves —
// is read to the end.
func DecodeWAV(data []byte) (*PCM, error) {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return nil, errors.New("announce: not a RIFF WAVE file")
	}
	var format, channels, bits uint16
	var rate uint32
	haveFmt := false
	pos := 12
	for pos+8 <= len(data) {
		id := string(data[pos : pos+4])
		size := int(binary.LittleEndian.Uint32(data[pos+4 : pos+8]))
		body := data[pos+8:]
		if size < 0 || size > len(body) {
			size = len(body)
		}
		body = body[:size]
		switch id {
		case "fmt ":
			if size < 16 {
				return nil, errors.New("announce: short fmt chunk")
			}
			format = binary.LittleEndian.Uint16(body[0:])
			channels = binary.LittleEndian.Uint16(body[2:])
			rate = binary.LittleEndian.Uint32(body[4:])
			bits = binary.LittleEndian.Uint16(body[14:])
			if format == 0xFFFE && size >= 26 { // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes
				format = binary.LittleEndian.Uint16(body[24:])
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, errors.New("announce: data before fmt")
			}
			return decodeSamples(body, format, channels, bits, int(rate))
		}
		pos += 8 + size + size%2
	}
	return nil, errors.New("announce: no data chunk")
}

func decodeSamples(b []byte, format, channels, bits uint16, rate int) (*PCM, error) {
	if channels == 0 || rate <= 0 {
		return nil, fmt.Errorf("announce: bad format: %d channels at %d Hz", channels, rate)
	}
	width := int(bits) / 8
	var sample func([]byte) float64
	switch {
	case format == 1 && bits == 8:
		sample = func(s []byte) float64 { return (float64(s[0]) - 128) / 128 }
	case format == 1 && bits == 16:
		sample = func(s []byte) float64 { return float64(int16(binary.LittleEndian.Uint16(s))) / 32768 }
	case format == 1 && bits == 24:
		sample = func(s []byte) float64 {
			return float64(int32(uint32(s[0])<<8|uint32(s[1])<<16|uint32(s[2])<<24)) / (1 << 31)
		}
	case format == 1 && bits == 32:
		sample = func(s []byte) float64 { return float64(int32(binary.LittleEndian.Uint32(s))) / (1 << 31) }
	case format == 3 && bits == 32:
		sample = func(s []byte) float64 { return float64(math.Float32frombits(binary.LittleEndian.Uint32(s))) }
	default:
		return nil, fmt.Errorf("announce: unsupported WAV format %d with %d bits", format, bits)
	}
	frame := width * int(channels)
	n := len(b) / frame
	out := &PCM{Rate: rate, Samples: make([]int16, n)}
	for i := 0; i < n; i++ {
		var sum float64
		for c := 0; c < int(channels); c++ {
			sum += sample(b[i*frame+c*width:])
		}
		out.Samples[i] = clip16(sum / float64(channels) * 32768)
	}
	return out, nil
}

func clip16(v float64) int16 {
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	}
	return int16(math.Round(v))
}

// Resample converts p to rate by linear interpolation (speech needs no better).
func (p *PCM) Resample(rate int) *PCM {
	if p.Rate == rate || len(p.Samples) == 0 {
		return &PCM{Rate: rate, Samples: p.Samples}
	}
	n := int(int64(len(p.Samples)) * int64(rate) / int64(p.Rate))
	out := &PCM{Rate: rate, Samples: make([]int16, n)}
	step := float64(p.Rate) / float64(rate)
	for i := range out.Samples {
		x := float64(i) * step
		j := int(x)
		f := x - float64(j)
		a := float64(p.Samples[min(j, len(p.Samples)-1)])
		b := float64(p.Samples[min(j+1, len(p.Samples)-1)])
		out.Samples[i] = clip16(a + (b-a)*f)
	}
	return out
}

// Silence is d seconds of nothing at rate.
func Silence(rate int, seconds float64) *PCM {
	return &PCM{Rate: rate, Samples: make([]int16, int(seconds*float64(rate)))}
}

// Concat joins clips, resampling each to rate.
func Concat(rate int, parts ...*PCM) *PCM {
	out := &PCM{Rate: rate}
	for _, p := range parts {
		out.Samples = append(out.Samples, p.Resample(rate).Samples...)
	}
	return out
}

// EncodeWAV writes p as a 16-bit mono PCM WAVE file.
func EncodeWAV(p *PCM) []byte {
	var b bytes.Buffer
	dataLen := uint32(2 * len(p.Samples))
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, 36+dataLen)
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(p.Rate), uint32(p.Rate * 2), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, dataLen)
	binary.Write(&b, binary.LittleEndian, p.Samples)
	return b.Bytes()
}

// Chime is a two-tone "ding-dong" (E5 then C5, each fading), played before
// every call so that heads turn before the number is said.
func Chime(rate int) *PCM {
	tone := func(freq, seconds float64) []int16 {
		n := int(seconds * float64(rate))
		s := make([]int16, n)
		for i := range s {
			t := float64(i) / float64(rate)
			attack := math.Min(1, t/0.01)
			env := attack * math.Exp(-3.2*t)
			v := math.Sin(2*math.Pi*freq*t) + 0.3*math.Sin(4*math.Pi*freq*t)
			s[i] = clip16(v * env * 0.45 * 32767 / 1.3)
		}
		return s
	}
	p := &PCM{Rate: rate}
	p.Samples = append(p.Samples, tone(659.25, 0.55)...)
	p.Samples = append(p.Samples, tone(523.25, 0.9)...)
	p.Samples = append(p.Samples, Silence(rate, 0.25).Samples...)
	return p
}

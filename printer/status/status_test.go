package status

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// script answers each DLE EOT n with replies[n], after the bytes in before.
type script struct {
	replies map[byte][]byte
	out     bytes.Buffer
}

func (s *script) Write(p []byte) (int, error) {
	if len(p) == 3 && p[0] == 0x10 && p[1] == 0x04 {
		s.out.Write(s.replies[p[2]])
	}
	return len(p), nil
}

func (s *script) Read(p []byte) (int, error) {
	if s.out.Len() == 0 {
		return 0, io.ErrUnexpectedEOF // stands in for a read timeout
	}
	return s.out.Read(p)
}

func TestQuery(t *testing.T) {
	fine := map[byte][]byte{1: {0x16}, 2: {0x12}, 3: {0x12}, 4: {0x12}}
	tests := []struct {
		name    string
		replies map[byte][]byte
		want    Status
	}{
		{"ready", fine, Status{Online: true}},
		{"offline", map[byte][]byte{1: {0x1E}, 2: {0x12}, 3: {0x12}, 4: {0x12}}, Status{}},
		{"cover open", map[byte][]byte{1: {0x1E}, 2: {0x16}, 3: {0x12}, 4: {0x12}}, Status{CoverOpen: true}},
		{"paper near end", map[byte][]byte{1: {0x16}, 2: {0x12}, 3: {0x12}, 4: {0x1E}}, Status{Online: true, PaperNearEnd: true}},
		{"paper out", map[byte][]byte{1: {0x1E}, 2: {0x32}, 3: {0x12}, 4: {0x72}}, Status{StoppedNoPaper: true, PaperOut: true}},
		{"near end and out", map[byte][]byte{1: {0x1E}, 2: {0x32}, 3: {0x12}, 4: {0x7E}}, Status{StoppedNoPaper: true, PaperOut: true, PaperNearEnd: true}},
		{"cutter error", map[byte][]byte{1: {0x1E}, 2: {0x52}, 3: {0x1A}, 4: {0x12}}, Status{Error: true, CutterError: true}},
		{"unrecoverable", map[byte][]byte{1: {0x1E}, 2: {0x52}, 3: {0x32}, 4: {0x12}}, Status{Error: true, Unrecoverable: true}},
		{"stray bytes before replies", map[byte][]byte{1: {0x00, 0xFF, 0x16}, 2: {0x11, 0x12}, 3: {0x13, 0x12}, 4: {0x12}}, Status{Online: true}},
		{"automatic status back packet", map[byte][]byte{1: {0x10, 0x12, 0x12, 0x12, 0x16}, 2: {0x12}, 3: {0x12}, 4: {0x12}}, Status{Online: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Query(&script{replies: tt.replies})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	s, _ := Query(&script{replies: fine})
	if !s.OK() || s.String() != "online" {
		t.Errorf("got OK %v %q, want a ready printer", s.OK(), s)
	}
}

func TestNoReply(t *testing.T) {
	_, err := Query(&script{replies: map[byte][]byte{1: {0x16}}})
	if !errors.Is(err, ErrNoReply) {
		t.Errorf("got %v, want ErrNoReply", err)
	}
}

func TestApplyRejects(t *testing.T) {
	var s Status
	if err := s.Apply(1, 0x00); err == nil {
		t.Error("accepted 00 as a reply")
	}
	if err := s.Apply(5, 0x12); err == nil {
		t.Error("accepted DLE EOT 5")
	}
}

package decode

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// maxFuzzJob is the longest print job FuzzRender renders.
const maxFuzzJob = 2048

// addGoldenSeeds adds the printer package's golden print jobs as seeds;
// one longer than maxFuzzJob is cut before the last GS v 0 image that
// would cross that length, so that its images stay whole.
func addGoldenSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*.bin"))
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if len(data) > maxFuzzJob {
			data = data[:maxFuzzJob]
			if i := bytes.LastIndex(data, []byte{0x1d, 'v', '0'}); i > 0 {
				data = data[:i]
			}
		}
		f.Add(data)
	}
}
